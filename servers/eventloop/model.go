package eventloop

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"loopbench/servers/model"
)

// Model is the homemade event loop server model.
type Model struct{}

// New returns the model.
func New() *Model { return &Model{} }

// Serve runs cfg.Loops loops (default 1) and a pool of cfg.Pool worker
// threads until ctx is cancelled. It then stops accepting, lets answers in
// flight finish for a short while, closes every connection and returns
// model.ErrServerClosed, after writing the loop lag to cfg.StatsFile if set.
func (*Model) Serve(ctx context.Context, cfg model.Config) error {
	s, err := newServer(cfg)
	if err != nil {
		return err
	}
	err = s.run(ctx)
	if cfg.StatsFile != "" {
		if werr := model.WriteStats(cfg.StatsFile, lagStats(s.lagHistograms())); err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	return model.ErrServerClosed
}

// Check reports why the model cannot run on this host: it needs epoll.
func Check() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("eventloop needs Linux (epoll), not %s: %w", runtime.GOOS, errors.ErrUnsupported)
	}
	return nil
}
