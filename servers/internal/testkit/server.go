package testkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"loopbench/servers/model"
)

// Server is a model serving in this process, started by Start.
type Server struct {
	// Addr is the address it accepts connections on.
	Addr   string
	cancel context.CancelFunc
	served chan error
	once   sync.Once
}

// Start serves m with cfg until Stop or the test's end, and returns once
// cfg.Addr accepts connections. It skips the test when Serve returns
// errors.ErrUnsupported (a model still being written, or one that cannot
// run here) and fails it when Serve returns before listening. At the end of
// the test it stops the server unless the test did.
func Start(t testing.TB, m model.Model, cfg model.Config) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{Addr: cfg.Addr, cancel: cancel, served: make(chan error, 1)}
	go func() { s.served <- m.Serve(ctx, cfg) }()
	err := WaitListening(cfg.Addr, s.served)
	if err == nil {
		t.Cleanup(func() { s.Stop(t) })
		return s
	}
	cancel()
	select {
	case <-s.served:
	case <-time.After(StopTimeout):
	}
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("%T cannot serve here: %v", m, err)
	}
	t.Fatalf("%T on %s: %v", m, cfg.Addr, err)
	return nil
}

// WaitListening waits until addr accepts a connection and returns nil, or
// returns what the server's goroutine or process sent on served if it ended
// first (putting the value back, so whoever waits for the end still gets
// it), or an error after IOTimeout.
func WaitListening(addr string, served chan error) error {
	deadline := time.Now().Add(IOTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-served:
			served <- err
			return fmt.Errorf("the server ended before it accepted a connection: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing accepted a connection on %s within %v: %w", addr, IOTimeout, err)
		}
	}
}

// Stop cancels Serve's context and waits up to StopTimeout for Serve to
// return, failing the test unless it returned model.ErrServerClosed. Only
// the first call does anything. It may be called from any goroutine.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.once.Do(func() {
		s.cancel()
		select {
		case err := <-s.served:
			if !errors.Is(err, model.ErrServerClosed) {
				t.Errorf("Serve returned %v, want model.ErrServerClosed", err)
			}
		case <-time.After(StopTimeout):
			t.Errorf("Serve did not return within %v of the stop", StopTimeout)
		}
	})
}
