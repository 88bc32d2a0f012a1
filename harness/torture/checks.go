package torture

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"loopbench/app"
	"loopbench/harness/httpcheck"
	"loopbench/harness/slowhttp"
	"loopbench/servers"
)

// The checks of others' tools: slowhttptest's attacks, and the
// fragmentation and differential checks of harness/httpcheck. Each runs as
// a scenario, against a fresh server, with the probe beside it.

// slowHTTPConns and slowHTTPRate are slowhttptest's connections (-c) and
// connections a second (-r) at scale 1: as many as slowloris holds at
// once, well within the descriptor limits.
const (
	slowHTTPConns = 1000
	slowHTTPRate  = 200
	// slowHTTPProbe is slowhttptest's probe timeout (-p): a second above
	// the torture probe's, since slowhttptest dials afresh every time.
	slowHTTPProbe = 3 * time.Second
)

// slowHTTPScenario runs one of slowhttptest's attacks. A slow read holds
// three answers of 64 KiB per connection in the server and in the kernel's
// send buffers, whose segments a window of 1 to 512 bytes makes costly
// (about 460 KiB a connection measured with eventloop and gnet, socket
// memory included), and with threaded a thread per connection and its
// stacks besides (about 820 KiB all told): 1 MiB each.
func slowHTTPScenario(a slowhttp.Attack) Scenario {
	sc := Scenario{Name: "slowhttptest-" + a.Name, Bounded: true, Clients: slowHTTPConns,
		Run: func(ctx context.Context, env *Env) error { return runSlowHTTP(ctx, env, a) }}
	sc.Description = fmt.Sprintf("slowhttptest %s (%s) on %s: %d connections, %d a second, %d s", a.Mode, a.Name, a.Target,
		slowHTTPConns, slowHTTPRate, a.Length)
	if a.MustClose {
		sc.Description += "; the server must close every one (head timeout) and serve its probe throughout"
	} else {
		sc.Description += "; the server must serve its probe throughout"
		sc.PerClient = 1 << 20
	}
	return sc
}

func runSlowHTTP(ctx context.Context, env *Env, a slowhttp.Attack) error {
	res, err := slowhttp.Run(ctx, slowhttp.Options{Attack: a, Addr: env.Addr, Conns: env.count(slowHTTPConns),
		Rate: slowHTTPRate, Length: env.dur(time.Duration(a.Length) * time.Second), ProbeTimeout: slowHTTPProbe})
	if err != nil {
		return fmt.Errorf("slowhttptest %s: %w", a.Name, err)
	}
	env.Notef("%s", res.Summary())
	env.mu.Lock()
	env.timeline = res.Samples
	env.mu.Unlock()
	return res.Verdict()
}

// fragmentation delivers the routes' requests in fragments (harness/httpcheck).
func fragmentation(ctx context.Context, env *Env) error {
	res := httpcheck.Fragment(ctx, env.Addr, httpcheck.FragmentOptions{Seed: httpcheck.DefaultSeed, Short: env.Scale < 1})
	env.Notef("fragmentation: %d deliveries compared with the unfragmented ones, %d differ", res.Cases, len(res.Failures))
	if len(res.Failures) > 0 {
		return fmt.Errorf("fragmentation: %d of %d deliveries answered otherwise than whole; first: %s", len(res.Failures), res.Cases, res.Failures[0])
	}
	return nil
}

// differential sends the corpus (the seed corpus below scale 1) and
// compares the answers with the references'.
func differential(ctx context.Context, env *Env) error {
	refs, err := references(env.Scale < 1)
	if err != nil {
		return fmt.Errorf("differential: %w", err)
	}
	res := httpcheck.Compare(ctx, env.Model, env.Addr, refs, diffOptions(env))
	env.Notef("differential: %s", res.Summary())
	if refs.Node == nil {
		env.Notef("%s", refs.NodeNote)
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("differential: %d requests not measured; first: %s", len(res.Errors), res.Errors[0])
	}
	if n := len(res.Unjustified); n > 0 {
		v := res.Unjustified[0]
		return fmt.Errorf("differential: %d unjustified differences from net/http; first: %s [%s] answered %s, net/http %s",
			n, v.Entry, v.Kind, v.Got, v.Ref)
	}
	return nil
}

// diffOptions waits for each answer less than the head timeout, which
// would otherwise answer a request still waiting for bytes (408) before the
// check calls it waiting; the references wait as long.
func diffOptions(env *Env) httpcheck.DiffOptions {
	o := httpcheck.DiffOptions{Wait: min(2*time.Second, max(100*time.Millisecond, env.HeadTimeout*3/4))}
	if e, _, err := servers.LookupSeries(env.Model); err == nil {
		o.Serves = e.Serves
	}
	return o
}

// references measures the corpus on net/http and node once per process.
func references(seed bool) (*httpcheck.Refs, error) {
	if seed {
		return seedRefs()
	}
	return corpusRefs()
}

var (
	seedRefs   = sync.OnceValues(func() (*httpcheck.Refs, error) { return measureRefs(httpcheck.Seed) })
	corpusRefs = sync.OnceValues(func() (*httpcheck.Refs, error) { return measureRefs(httpcheck.Corpus) })
)

func measureRefs(corpus func() ([]httpcheck.Entry, error)) (*httpcheck.Refs, error) {
	entries, err := corpus()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "loopbench-httpcheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := app.WriteDataFiles(dir); err != nil {
		return nil, err
	}
	return httpcheck.MeasureRefs(context.Background(), entries, dir, httpcheck.DiffOptions{})
}
