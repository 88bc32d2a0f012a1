// Package servers is the explicit table of server models by name. The
// contract a model implements is the leaf package servers/model.
package servers

import (
	"fmt"
	"strings"

	"loopbench/servers/eventloop"
	"loopbench/servers/evio"
	"loopbench/servers/fasthttp"
	"loopbench/servers/gnet"
	"loopbench/servers/model"
	"loopbench/servers/node"
	"loopbench/servers/threaded"
)

// Entry describes one model in the table.
type Entry struct {
	Name        string
	Description string
	// New returns a fresh model.
	New func() model.Model
	// Check reports why the model cannot run on this host, or nil if it can.
	Check func() error
	// Differences lists where the model's answers knowingly differ from the
	// shared application's rules, and why (a library's own parser, say).
	Differences []string
}

// table is every model, in the order reports list them.
var table = []Entry{
	{Name: "threaded", Description: "one OS thread per connection, blocking syscalls", New: func() model.Model { return threaded.New() }, Check: threaded.Check, Differences: threaded.Differences},
	{Name: "eventloop", Description: "homemade libuv: epoll loop on one locked OS thread + thread pool", New: func() model.Model { return eventloop.New() }, Check: eventloop.Check},
	{Name: "gnet", Description: "github.com/panjf2000/gnet/v2 event loop, goroutine pool for deferred work", New: func() model.Model { return gnet.New() }, Differences: gnet.Differences},
	{Name: "evio", Description: "github.com/tidwall/evio event loop, deferred work woken back onto the loop", New: func() model.Model { return evio.New() }, Differences: evio.Differences},
	{Name: "fasthttp", Description: "github.com/valyala/fasthttp: goroutine per connection on Go's netpoller", New: func() model.Model { return fasthttp.New() }, Differences: fasthttp.Differences},
	{Name: "node", Description: "Node.js http module: the real libuv, as the reference", New: func() model.Model { return node.New() }, Check: node.Check, Differences: node.Differences},
}

// All returns every model in the table.
func All() []Entry { return table }

// Lookup finds a model by name; the error lists the names that exist.
func Lookup(name string) (Entry, error) {
	for _, e := range table {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("unknown model %q; choose one of: %s", name, strings.Join(Names(), ", "))
}

// Names returns the names of every model.
func Names() []string {
	names := make([]string, len(table))
	for i, e := range table {
		names[i] = e.Name
	}
	return names
}

// Available reports whether the model can run here: nil, or the reason.
func (e Entry) Available() error {
	if e.Check == nil {
		return nil
	}
	return e.Check()
}
