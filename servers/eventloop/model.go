package eventloop

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"loopbench/servers/model"
)

// Bounds says how the model bounds what a hostile client can take (see
// model.Config and `loopbench torture`).
var Bounds = []string{
	"head timeout and idle timeout: one lazily restarted timer per connection on the loop's timer heap (deadline.go); a head past --head-timeout gets 408 and a lingering close, an idle connection, or one whose client takes no byte of its answers for --idle-timeout, is closed",
	"unsent output: a connection stops being read once --max-unsent bytes wait in its write queue or 32 answers wait behind a deferred one; one answer (the 1 MiB /file at most) is held whole",
	"out of descriptors: libuv's EMFILE trick, a spare descriptor given up to accept and refuse (503) every pending connection, so the listener neither spins nor leaves clients in the listen queue",
}

// Model is the homemade event loop server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// Serve runs cfg.LoopCount() loops (default 1) and a pool of cfg.Pool worker
// threads until ctx is cancelled, on epoll, or on io_uring with
// cfg.IOUring where the kernel allows it. It then stops accepting, lets
// answers in flight finish for a short while, closes every connection and
// returns model.ErrServerClosed, after writing the loop lag (its figures
// over the server's life and its readings with their times) and the
// backend that served to cfg.StatsFile if set.
func (*Model) Serve(ctx context.Context, cfg model.Config) error {
	s, err := newServer(cfg)
	if err != nil {
		return err
	}
	err = s.run(ctx)
	if cfg.StatsFile != "" {
		st := s.lagStats()
		st.Backend = s.backendName()
		if werr := model.WriteStats(cfg.StatsFile, st); err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	return model.ErrServerClosed
}

// Check reports why the model cannot run on this host: it needs epoll
// (io_uring is optional: without it, the loop serves with epoll).
func Check() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("eventloop needs Linux (epoll), not %s: %w", runtime.GOOS, errors.ErrUnsupported)
	}
	return nil
}
