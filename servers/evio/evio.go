// Package evio serves the shared application on github.com/tidwall/evio.
//
// How it waits: evio's loops read every connection and call Data, which
// parses the bytes that arrived and returns the answers it can give at once
// for evio to write. A deferred operation runs on its own goroutine; when it
// is done the goroutine calls Conn.Wake, and evio calls Data again on the
// loop, which releases the finished answers at the head of the connection's
// queue, in request order.
//
// evio is unmaintained, and four of its limits shape this package (the
// registry's Differences list them for users):
//   - It has no Stop. Serve opens a control connection to its own listener
//     and closes it to stop: the Closed event of that connection returns
//     Shutdown.
//   - A Wake replaces the connection's unsent output instead of appending to
//     it (loopWake assigns c.out). Before answering on a Wake, Data looks at
//     that unexported field through reflection and, while bytes are still
//     unsent, holds its answers back and wakes itself again (at once, then
//     after growing intervals).
//   - It leaves Nagle's algorithm on, with no option to turn it off. Opened
//     sets TCP_NODELAY on the descriptor, read from evio's unexported conn.fd.
//   - Wake after the loop's poller has closed writes to a closed (perhaps
//     reused) descriptor. Wakes are only issued by the connection's answer
//     queue (servers/internal/answers), under its lock, while its Closed
//     event has not run, and evio runs every Closed before it closes the
//     poller.
package evio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/evio"

	"loopbench/servers/internal/deadline"
	"loopbench/servers/internal/deferred"
	"loopbench/servers/model"
)

// stopTimeout bounds how long Serve waits for evio to stop once asked.
const stopTimeout = 30 * time.Second

// Model is the evio server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// Serve runs evio on cfg.Addr until ctx is cancelled, then stops it through
// the control connection (evio closes every connection), waits for the
// deferred operations still running and returns model.ErrServerClosed.
func (*Model) Serve(ctx context.Context, cfg model.Config) error {
	s := newServer(cfg)
	defer s.release()
	ran := make(chan error, 1)
	go func() { ran <- evio.Serve(s.events(), "tcp://"+cfg.Addr) }()
	var addr net.Addr
	select {
	case err := <-ran:
		return fmt.Errorf("evio: %w", startError(err))
	case addr = <-s.serving:
	}
	defer s.startTicker()()
	ctl, err := s.dialControl(addr)
	if err != nil {
		return fmt.Errorf("evio: serving, but cannot open the control connection that stops it: %w", err)
	}
	select {
	case err := <-ran:
		ctl.Close()
		return fmt.Errorf("evio: stopped on its own (a loop failed, e.g. accept hit EMFILE): %w", startError(err))
	case <-ctx.Done():
	}
	// evio signals its shutdown on a sync.Cond without a predicate: had a
	// loop ended before evio.Serve's own goroutine began to wait, the signal
	// would be lost and evio.Serve would never return. A loop ends here only
	// after accepting the control connection and reading its end, several
	// passes after that goroutine started the loops and went on to wait;
	// stopTimeout reports it if it ever happens.
	ctl.Close()
	select {
	case <-ran:
		return model.ErrServerClosed
	case <-time.After(stopTimeout):
		return fmt.Errorf("evio: still running %v after closing the control connection", stopTimeout)
	}
}

func startError(err error) error {
	if err == nil {
		return errors.New("evio.Serve returned without an error")
	}
	return err
}

// server holds the state shared by every loop.
type server struct {
	cfg model.Config

	serving    chan net.Addr
	logNoDelay sync.Once
	// control is the client address of the control connection.
	control atomic.Pointer[net.TCPAddr]

	// tasks counts the deferred operations running, each on its own
	// goroutine.
	tasks sync.WaitGroup
	ops   *deferred.Ops
	conns deadline.Set[*conn] // for the ticker's deadlines
}

func newServer(cfg model.Config) *server {
	return &server{cfg: cfg, serving: make(chan net.Addr, 1), ops: deferred.New(cfg)}
}

// events wires the server into evio: NumLoops from --loops (one per CPU
// with --loops 0; each loop polls the one listener) and evio's
// default (random) balancing; with RoundRobin, two loops sharing one CPU
// crawl (see the reference measurements).
func (s *server) events() evio.Events {
	return evio.Events{
		NumLoops: s.cfg.LoopCount(),
		Serving:  s.onServing,
		Opened:   s.opened,
		Closed:   s.closed,
		Data:     s.data,
	}
}

func (s *server) onServing(srv evio.Server) evio.Action {
	s.serving <- srv.Addrs[0]
	return evio.None
}

// dialControl connects to the server's own listener (its loopback address
// when it listens on every address) and records the connection's address.
func (s *server) dialControl(addr net.Addr) (net.Conn, error) {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil, fmt.Errorf("listening on %v, not TCP", addr)
	}
	target := *ta
	if target.IP.IsUnspecified() {
		target.IP = net.IPv6loopback
		if ta.IP.To4() != nil {
			target.IP = net.IPv4(127, 0, 0, 1)
		}
	}
	c, err := net.DialTimeout("tcp", target.String(), stopTimeout)
	if err != nil {
		return nil, err
	}
	s.control.Store(c.LocalAddr().(*net.TCPAddr))
	return c, nil
}

// isControl reports whether ec is the server side of the control connection.
func (s *server) isControl(ec evio.Conn) bool {
	ctl := s.control.Load()
	ra, ok := ec.RemoteAddr().(*net.TCPAddr)
	return ok && ctl != nil && ra.Port == ctl.Port && ra.IP.Equal(ctl.IP)
}

// release ends the sleeps still running and waits for every deferred
// operation, then closes the backend connections.
func (s *server) release() {
	s.ops.Stop()
	s.tasks.Wait()
	s.ops.Close()
}
