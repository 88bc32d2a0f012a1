// Package deferred completes the shared application's deferred operations
// the blocking way, on the calling goroutine: what gnet's pool workers,
// evio's goroutines and fasthttp's connection goroutines do with /sleep,
// /upstream, /file and /cpu. (threaded blocks its own OS thread with raw
// system calls, and eventloop waits the event-loop way, so neither uses it.)
package deferred

import (
	"errors"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/upstream"
)

// ErrStopped fails a sleep cut short because the server is stopping; its
// connection is closing, so nobody sees the answer.
var ErrStopped = errors.New("server stopping")

// Ops holds what the operations need.
type Ops struct {
	DataDir  string
	Upstream *upstream.Pool
	// Quit is closed when the server stops: sleeps still running end at
	// once with ErrStopped.
	Quit <-chan struct{}
}

// Perform does the blocking part of a and returns the result app.Finish
// renders.
func (o *Ops) Perform(a *app.Action) ([]byte, error) {
	switch a.Op {
	case app.OpSleep:
		return nil, o.sleep(time.Duration(a.Millis) * time.Millisecond)
	case app.OpUpstream:
		return o.Upstream.Do(a.Millis)
	case app.OpFile:
		return app.ReadFile(o.DataDir, a.Name)
	case app.OpCPU:
		return app.CPU(a.Iter), nil
	}
	return nil, errors.New("deferred: unknown operation " + a.Op.String())
}

// sleep blocks the goroutine for d, or until Quit is closed.
func (o *Ops) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-o.Quit:
		return ErrStopped
	}
}
