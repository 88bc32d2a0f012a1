// Package deferred completes the shared application's deferred operations
// the blocking way, on the calling goroutine: what gnet's pool workers,
// evio's goroutines and fasthttp's connection goroutines do with /sleep,
// /upstream, /file, /cpu and /fifo (whose write parks the goroutine on Go's
// netpoller, as every other wait of theirs does). (threaded blocks its own OS thread with raw
// system calls, and eventloop waits the event-loop way, so neither uses it.)
package deferred

import (
	"errors"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/fifo"
	"loopbench/servers/internal/upstream"
	"loopbench/servers/model"
)

// ErrStopped fails a sleep cut short because the server is stopping; its
// connection is closing, so nobody sees the answer.
var ErrStopped = errors.New("server stopping")

// Ops holds what the operations need: the data directory, a pool of
// kept-alive connections to the backend, the backend's FIFOs, and the
// channel that Stop closes.
type Ops struct {
	dataDir  string
	upstream *upstream.Pool
	fifo     *fifo.Polled
	quit     chan struct{}
}

// New returns the operations of a server configured by cfg: reading files
// from its data directory, calling its backend (without a backend, calls
// fail with upstream.ErrNoBackend, answered 502), and sleeping until Stop.
func New(cfg model.Config) *Ops {
	return &Ops{
		dataDir:  cfg.DataDir,
		upstream: upstream.NewPool(cfg.Backend, upstream.MaxIdle),
		fifo:     fifo.NewPolled(cfg.DataDir),
		quit:     make(chan struct{}),
	}
}

// Stop ends at once, with ErrStopped, the sleeps still running and any that
// start after: the server is stopping. It may be called once.
func (o *Ops) Stop() { close(o.quit) }

// Close closes the backend connections and FIFOs, once no operation runs
// any more.
func (o *Ops) Close() {
	o.upstream.Close()
	o.fifo.Close()
}

// Perform does the blocking part of a and returns the result app.Finish
// renders.
func (o *Ops) Perform(a *app.Action) ([]byte, error) {
	switch a.Op {
	case app.OpSleep:
		return nil, o.sleep(time.Duration(a.Millis) * time.Millisecond)
	case app.OpUpstream:
		return o.upstream.Do(a.Millis)
	case app.OpFile:
		return app.ReadFile(o.dataDir, a.Name)
	case app.OpCPU:
		return app.CPU(a.Iter), nil
	case app.OpFIFO:
		return nil, o.fifo.Wait(a.Millis)
	}
	return nil, errors.New("deferred: unknown operation " + a.Op.String())
}

// sleep blocks the goroutine for d, or until Stop.
func (o *Ops) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-o.quit:
		return ErrStopped
	}
}
