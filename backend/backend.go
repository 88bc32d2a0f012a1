// Package backend is the upstream service that /upstream calls: it reads
// delay requests in app's line protocol ("5\n") on kept-alive TCP
// connections and answers each ("upstream 5 ms\n") once its delay has passed,
// in order per connection.
//
// It must never be the bottleneck of a measurement (the runner puts it on the
// load generator's CPUs), so a connection costs one goroutine whatever the
// number of requests in flight: it stamps each request with its due time and
// queues it, uses the read deadline as the timer of the oldest one, and
// writes every reply that is due in one write. A request that is due at once
// is answered by the goroutine that read it, with no hand-off. Requests are
// answered in order, so a short delay queued behind a long one waits for it,
// as on any in-order protocol.
//
// With ServeFIFOs it also serves /fifo's FIFOs (fifo.go): it drains each
// block a model writes once the block's delay has passed.
package backend

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a backend listening on one address.
type Server struct {
	ln       net.Listener
	answered atomic.Int64
	received atomic.Int64
	done     chan struct{} // closed by shutdown

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup

	// fifos is the FIFO service (fifo.go), nil unless ServeFIFOs was called.
	fifos                     *fifoSet
	fifoWaited, fifoMalformed atomic.Int64
}

// Listen opens the listener, so that the caller can learn the address (port
// 0 picks a free one) before serving.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{ln: ln, done: make(chan struct{}), conns: make(map[*conn]struct{})}, nil
}

// Serve is Listen followed by (*Server).Serve.
func Serve(ctx context.Context, addr string) error {
	s, err := Listen(addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

// Addr returns the address the server listens on, as "host:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Answered returns how many replies the server has written so far.
func (s *Server) Answered() int64 { return s.answered.Load() }

// Serve accepts connections, and serves the FIFOs of ServeFIFOs, until ctx
// is cancelled, then closes the listener, every connection and every FIFO
// (requests still waiting are dropped), waits for their goroutines, removes
// the FIFOs and returns nil. It returns an error if accepting fails for
// another reason.
func (s *Server) Serve(ctx context.Context) error {
	if s.fifos != nil {
		s.fifos.start(s)
		defer s.fifos.remove()
	}
	stop := context.AfterFunc(ctx, s.shutdown)
	defer stop()
	err := s.acceptLoop()
	s.shutdown()
	s.wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Close releases a server that will not be served: its listener and the
// FIFOs of ServeFIFOs.
func (s *Server) Close() {
	s.shutdown()
	if s.fifos != nil {
		s.fifos.remove()
	}
}

func (s *Server) acceptLoop() error {
	backoff := time.Duration(0)
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of descriptors, say: wait for connections to close
			// rather than spin, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.start(nc)
	}
}

func (s *Server) start(nc net.Conn) {
	c := newConn(nc, s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Go(func() {
		c.serve()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	})
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// shutdown closes the listener and every connection; it may run twice.
func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	s.ln.Close()
	for c := range s.conns {
		c.nc.Close()
	}
	if s.fifos != nil {
		s.fifos.close()
	}
}
