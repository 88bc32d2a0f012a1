// Package gnet serves the shared application on github.com/panjf2000/gnet/v2.
//
// How it waits: gnet's event loops read every connection and call OnTraffic,
// which parses the bytes that arrived and answers what can be answered at
// once. A deferred operation leaves the loop, as gnet's documentation
// recommends, for gnet's goroutine pool (pkg/pool/goroutine, on ants), whose
// worker does the blocking part (time.Sleep, the upstream call, the file read,
// /fifo's FIFO write, and /cpu with --cpu-offload) and hands the answer back
// to the loop with AsyncWritev. Pipelined answers keep their order through a
// per-connection queue: an unfinished deferred answer holds back every answer
// behind it.
package gnet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"time"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/servers/internal/deadline"
	"loopbench/servers/internal/deferred"
	"loopbench/servers/model"
)

// releaseTimeout bounds how long Serve waits for the pool's workers to exit.
const releaseTimeout = 30 * time.Second

// Model is the gnet server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// Serve runs a gnet engine on cfg.Addr until ctx is cancelled, then stops the
// engine (which closes every connection), waits for the deferred operations
// still running, releases the pool and returns model.ErrServerClosed.
func (*Model) Serve(ctx context.Context, cfg model.Config) error {
	s := newServer(cfg)
	defer s.release()
	ran := make(chan error, 1)
	go func() { ran <- gn.Run(s, "tcp://"+cfg.Addr, s.options()...) }()
	select {
	case err := <-ran:
		return fmt.Errorf("gnet: %w", startError(err))
	case <-s.booted:
	}
	select {
	case err := <-ran:
		return fmt.Errorf("gnet: engine stopped on its own: %w", startError(err))
	case <-ctx.Done():
	}
	return s.stop(ran)
}

// startError explains why gn.Run returned before it was asked to stop.
func startError(err error) error {
	if err == nil {
		return errors.New("engine exited without an error")
	}
	return err
}

// server is the gnet.EventHandler: the state shared by every loop.
type server struct {
	gn.BuiltinEventEngine
	cfg   model.Config
	loops int
	work  *workers // runs ops, the deferred operations
	ops   *deferred.Ops

	booted chan struct{}
	engine gn.Engine
	conns  deadline.Set[*conn] // for the ticker's deadlines
}

func newServer(cfg model.Config) *server {
	return &server{
		cfg:    cfg,
		loops:  cfg.LoopCount(),
		work:   newWorkers(cfg.Pool),
		ops:    deferred.New(cfg),
		booted: make(chan struct{}),
	}
}

// options are the engine's: one loop by default, N loops spread over the
// CPUs with --loops N (one per CPU with --loops 0), each with its own SO_REUSEPORT listener so the kernel
// spreads the connections. With one loop (or a port chosen by the kernel,
// which separate listeners could not share) gnet's main reactor accepts and
// hands connections to the loops.
func (s *server) options() []gn.Option {
	_, port, _ := net.SplitHostPort(s.cfg.Addr)
	return []gn.Option{
		gn.WithMulticore(s.loops > 1),
		gn.WithNumEventLoop(s.loops),
		gn.WithReusePort(s.loops > 1 && port != "0"),
		gn.WithTCPNoDelay(gn.TCPNoDelay),
		gn.WithLogger(quietLogger{}),
		gn.WithTicker(true),
	}
}

// OnBoot records the engine, so Serve can stop it.
func (s *server) OnBoot(eng gn.Engine) gn.Action {
	s.engine = eng
	close(s.booted)
	return gn.None
}

// stop stops the engine and waits until gn.Run has returned.
func (s *server) stop(ran <-chan error) error {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	// Engine.Stop polls for the end of the shutdown every 500 ms; gn.Run
	// returning is the earlier signal, so cancel the poll once it has.
	go func() { stopped <- s.engine.Stop(ctx) }()
	err := <-ran
	cancel()
	if serr := <-stopped; serr != nil && !errors.Is(serr, context.Canceled) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("gnet: stopping the engine: %w", err)
	}
	return model.ErrServerClosed
}

// release ends the sleeps still running, waits for every deferred operation
// and releases the pool and the backend connections.
func (s *server) release() {
	s.ops.Stop()
	if err := s.work.wait(); err != nil {
		log.Printf("gnet: releasing the goroutine pool: %v", err)
	}
	s.ops.Close()
}

// quietLogger drops gnet's debug and info lines (gnet's default logger
// prints them on stdout) and sends the rest to stderr.
type quietLogger struct{}

var stderr = log.New(os.Stderr, "gnet: ", log.LstdFlags)

func (quietLogger) Debugf(string, ...any)          {}
func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Warnf(format string, a ...any)  { stderr.Printf(format, a...) }
func (quietLogger) Errorf(format string, a ...any) { stderr.Printf(format, a...) }
func (quietLogger) Fatalf(format string, a ...any) { stderr.Printf(format, a...) }
