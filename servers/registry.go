// Package servers is the explicit table of server models by name. The
// contract a model implements is the leaf package servers/model.
package servers

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"loopbench/servers/eventloop"
	"loopbench/servers/evio"
	"loopbench/servers/fasthttp"
	"loopbench/servers/gnet"
	"loopbench/servers/model"
	"loopbench/servers/node"
	"loopbench/servers/pthread"
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
	// Bounds says how the model bounds what a hostile client can take
	// (model.Config's timeouts and unsent output, running out of
	// descriptors or threads), and what its library does not let it bound.
	Bounds []string
	// Roles are the parts the model plays in the report's claims, which
	// find their models by role, never by name; none for a model measured
	// only for comparison.
	Roles []Role
	// Variants are the configurations beside the default that the model
	// honours and the conformance suite checks it under.
	Variants []Variant
	// Routes are the paths of the shared application the model serves;
	// nil means every one. The runner gives a model no workload that needs
	// another, and the conformance suite skips its cases that do, saying so.
	Routes []string
	// Style is how every chart draws the model. A zero Style (and a model
	// missing from the table, as in a run of a user's own model) gets a
	// colour and marker from a hash of the name, stable from run to run.
	Style Style
}

// Variant is a named change of a model's configuration, as `loopbench
// serve` flags make it: Flags are those flags (what a workload file's
// variant of the same name lists), Edit the same change made in code.
type Variant struct {
	Name  string
	Flags []string
	Edit  func(*model.Config)
	// Cases names the conformance suite's cases that concern the variant,
	// which the suite runs against it; nil means every case. A variant
	// that changes one part of a model (the pool's size) declares the
	// cases that exercise that part, so that a sweep of it does not run
	// the whole suite once per step.
	Cases []string
	// Backend marks a variant that replaces how the model does its I/O
	// (its system calls, its buffers, its accept): a server of its own as
	// far as hostile clients go, so `loopbench torture` attacks it beside
	// the models by default.
	Backend bool
}

// The variants the models honour.
var (
	// CPUOffload moves /cpu off the event loop, onto the worker pool.
	CPUOffload = Variant{Name: "cpu-offload", Flags: []string{"--cpu-offload"}, Edit: func(c *model.Config) { c.CPUOffload = true }}
	// TwoLoops runs two event loops, each with its own SO_REUSEPORT listener.
	TwoLoops = Variant{Name: "loops-2", Flags: []string{"--loops", "2"}, Edit: func(c *model.Config) { c.Loops = 2 }}
	// LoopsPerCPU runs one event loop per CPU the server may run on (its
	// affinity, as the runner's taskset sets it): the homemade loop and
	// gnet each with their own SO_REUSEPORT listener, evio's loops polling
	// one listener, node's cluster with one worker process per CPU.
	LoopsPerCPU = Variant{Name: "loops-per-cpu", Flags: []string{"--loops", "0"}, Edit: func(c *model.Config) { c.Loops = model.LoopsPerCPU }}
	// IOUring runs the homemade loop on io_uring instead of epoll.
	IOUring = Variant{Name: "io-uring", Flags: []string{"--io-uring"}, Edit: func(c *model.Config) { c.IOUring = true }, Backend: true}
	// PoolSizes sweep the worker pool's size (libuv's UV_THREADPOOL_SIZE),
	// with /cpu offloaded to the pool, for the claim that the pool bounds
	// the blocking work in progress (workloads/pool-cpu.toml and
	// pool-wait.toml).
	PoolSizes = poolSizes(1, 2, 4, 8, 16, 64)
)

// pooledCases are the conformance cases whose requests go to the pool: the
// routes (/file, /cpu, /fifo among them), pipelined pooled answers, and
// more /fifo waits at once than the pool has threads.
var pooledCases = []string{"routes", "pipelined-16", "fifo-waits"}

// poolSizes returns the variants "pool-N" for each size N: --pool N
// --cpu-offload.
func poolSizes(sizes ...int) []Variant {
	vs := make([]Variant, len(sizes))
	for i, n := range sizes {
		vs[i] = Variant{
			Name:  "pool-" + strconv.Itoa(n),
			Flags: []string{"--pool", strconv.Itoa(n), "--cpu-offload"},
			Edit:  func(c *model.Config) { c.Pool, c.CPUOffload = n, true },
			Cases: pooledCases,
		}
	}
	return vs
}

// Role is a part a model plays in the argument loopbench measures.
type Role string

// The roles the report's claims look for (the values results.Model.Roles
// records, which harness/analysis reads).
const (
	// RoleThreadPerConn is the baseline every event loop is held against:
	// one OS thread per connection, blocking syscalls.
	RoleThreadPerConn Role = "thread-per-connection"
	// RoleEventLoop marks the event-loop side of the argument: a single
	// loop thread with non-blocking I/O and a thread pool for what would
	// block. Claims 1, 2 and 4 test each of these models against
	// RoleThreadPerConn.
	RoleEventLoop Role = "event-loop"
	// RoleHomemade is the homemade libuv-style loop that claim 5 is about.
	RoleHomemade Role = "homemade"
	// RoleReference is the real libuv, the measure of the homemade loop.
	RoleReference Role = "libuv-reference"
	// RoleLoopLibrary is an event-loop library that claim 5 measures the
	// homemade loop against, beside the reference.
	RoleLoopLibrary Role = "loop-library"
	// RoleThreadReference is a thread-per-connection server without Go's
	// runtime: what a plain OS thread costs, beside RoleThreadPerConn,
	// whose figures include what Go adds to each thread.
	RoleThreadReference Role = "thread-reference"
)

// Style is how charts draw a model, the same in every chart, so a reader
// who learns "node is the orange triangle" once can read every other chart.
// The table's colours are Okabe–Ito, which stay distinct for colour-blind
// readers.
type Style struct {
	Color color.NRGBA
	// Marker names the outline of the model's points: circle, square,
	// diamond, triangle-up, triangle-down or hexagon (harness/plot draws
	// them, and its tests check that every row names one).
	Marker string
}

// table is every model, in the order reports and chart legends list them:
// the baseline first, then the event loops, then the plain C reference
// for the baseline.
var table = []Entry{
	{
		Name: "threaded", Description: "one OS thread per connection, blocking syscalls",
		New: func() model.Model { return threaded.New() }, Check: threaded.Check, Differences: threaded.Differences, Bounds: threaded.Bounds,
		Roles: []Role{RoleThreadPerConn}, Style: Style{color.NRGBA{0xD5, 0x5E, 0x00, 0xFF}, "square"},
	},
	{
		Name: "eventloop", Description: "homemade libuv: epoll loop on one OS thread + thread pool",
		New: func() model.Model { return eventloop.New() }, Check: eventloop.Check, Bounds: eventloop.Bounds, Variants: append([]Variant{CPUOffload, TwoLoops, LoopsPerCPU, IOUring}, PoolSizes...),
		Roles: []Role{RoleEventLoop, RoleHomemade}, Style: Style{color.NRGBA{0x00, 0x72, 0xB2, 0xFF}, "circle"},
	},
	{
		Name: "gnet", Description: "github.com/panjf2000/gnet/v2 event loop, goroutine pool for deferred work",
		New: func() model.Model { return gnet.New() }, Differences: gnet.Differences, Bounds: gnet.Bounds, Variants: []Variant{CPUOffload, TwoLoops, LoopsPerCPU},
		Roles: []Role{RoleLoopLibrary}, Style: Style{color.NRGBA{0x00, 0x9E, 0x73, 0xFF}, "diamond"},
	},
	{
		Name: "evio", Description: "github.com/tidwall/evio event loop, deferred work woken back onto the loop",
		New: func() model.Model { return evio.New() }, Differences: evio.Differences, Bounds: evio.Bounds, Variants: []Variant{CPUOffload, TwoLoops, LoopsPerCPU},
		Roles: []Role{RoleLoopLibrary}, Style: Style{color.NRGBA{0xCC, 0x79, 0xA7, 0xFF}, "triangle-down"},
	},
	{
		Name: "fasthttp", Description: "github.com/valyala/fasthttp: goroutine per connection on Go's netpoller",
		New: func() model.Model { return fasthttp.New() }, Differences: fasthttp.Differences, Bounds: fasthttp.Bounds,
		Style: Style{color.NRGBA{0x56, 0x56, 0x56, 0xFF}, "hexagon"},
	},
	{
		Name: "node", Description: "Node.js http module: the real libuv, as the reference",
		New: func() model.Model { return node.New() }, Check: node.Check, Differences: node.Differences, Bounds: node.Bounds, Variants: append([]Variant{CPUOffload, LoopsPerCPU}, PoolSizes...),
		Roles: []Role{RoleEventLoop, RoleReference}, Style: Style{color.NRGBA{0xE6, 0x9F, 0x00, 0xFF}, "triangle-up"},
	},
	{
		Name: "pthread", Description: "C reference: one pthread per connection, blocking syscalls, no Go runtime",
		New: func() model.Model { return pthread.New() }, Check: pthread.Check, Differences: pthread.Differences, Bounds: pthread.Bounds,
		Routes: pthread.Routes, Roles: []Role{RoleThreadReference}, Style: Style{color.NRGBA{0x56, 0xB4, 0xE9, 0xFF}, "square"},
	},
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

// LookupSeries finds a model, or one of its variants named MODEL/VARIANT:
// the model's entry and the variant (the zero Variant for the model as it
// is, named MODEL or MODEL/default).
func LookupSeries(name string) (Entry, Variant, error) {
	m, v, ok := strings.Cut(name, "/")
	e, err := Lookup(m)
	if err != nil || !ok || v == "default" {
		return e, Variant{}, err
	}
	for _, x := range e.Variants {
		if x.Name == v {
			return e, x, nil
		}
	}
	names := make([]string, len(e.Variants))
	for i, x := range e.Variants {
		names[i] = x.Name
	}
	return Entry{}, Variant{}, fmt.Errorf("model %s has no variant %q; choose one of: default, %s", m, v, strings.Join(names, ", "))
}

// Backends names, as MODEL/VARIANT, the variants of e that are backends of
// their own (Variant.Backend).
func (e Entry) Backends() []string {
	var names []string
	for _, v := range e.Variants {
		if v.Backend {
			names = append(names, e.Name+"/"+v.Name)
		}
	}
	return names
}

// Names returns the names of every model.
func Names() []string {
	names := make([]string, len(table))
	for i, e := range table {
		names[i] = e.Name
	}
	return names
}

// WithRole returns the names of the models that play role r, in table
// order.
func WithRole(r Role) []string {
	var names []string
	for _, e := range table {
		if e.HasRole(r) {
			names = append(names, e.Name)
		}
	}
	return names
}

// Serves reports whether the model serves the path (a request target
// without its query).
func (e Entry) Serves(path string) bool { return e.Routes == nil || slices.Contains(e.Routes, path) }

// HasRole reports whether the model plays role r.
func (e Entry) HasRole(r Role) bool { return slices.Contains(e.Roles, r) }

// Info is what a run records of a model (results.Model): its row of the
// table as plain data, without the functions that build and check it.
type Info struct {
	Name, Description string
	Roles             []Role
	Style             Style
	// Variants are the model's variants, each with the serve flags that
	// make it (Variant.Flags).
	Variants []VariantInfo
	// Routes are the paths the model serves (nil: every route).
	Routes []string
}

// VariantInfo is a variant's name and the `loopbench serve` flags that
// make it.
type VariantInfo struct {
	Name  string
	Flags []string
}

// Infos returns every model of the table as plain data, in table order.
func Infos() []Info {
	out := make([]Info, len(table))
	for i, e := range table {
		out[i] = Info{Name: e.Name, Description: e.Description, Roles: slices.Clone(e.Roles), Style: e.Style, Routes: slices.Clone(e.Routes)}
		for _, v := range e.Variants {
			out[i].Variants = append(out[i].Variants, VariantInfo{v.Name, slices.Clone(v.Flags)})
		}
	}
	return out
}

// Available reports whether the model can run here: nil, or the reason.
func (e Entry) Available() error {
	if e.Check == nil {
		return nil
	}
	return e.Check()
}
