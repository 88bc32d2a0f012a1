// Package model is the contract between a server model and whoever runs it:
// the interface a model implements, the configuration it receives, the
// sentinel it returns after a clean stop, and the statistics file a model
// with an event loop writes on shutdown. It is a leaf: models import it, and
// so do the registry (servers), the command and the harness that reads the
// statistics, without importing any model.
package model

import (
	"context"
	"errors"
)

// Model serves the shared application until ctx is cancelled. Serve always
// returns a non-nil error: ErrServerClosed after a clean stop.
type Model interface {
	Serve(ctx context.Context, cfg Config) error
}

// Execer is implemented by a model that is served by another program (node):
// `loopbench serve` replaces its own process with that program, so the
// process the harness measures is the server itself.
type Execer interface {
	Exec(cfg Config) error
}

// ErrServerClosed is what a model's Serve returns after a clean stop.
var ErrServerClosed = errors.New("loopbench: server closed")

// Config is the configuration every server model receives. The harness passes
// one set of flags to every model; a model ignores the fields it has no use for.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080".
	Addr string
	// DataDir is the directory /file serves from (see app.WriteDataFiles).
	DataDir string
	// Backend is the address of the upstream service /upstream calls.
	Backend string
	// Pool is the size of the model's worker pool, where it has one (0: default).
	Pool int
	// Loops is the number of event loops, where the model has loops (0: 1).
	Loops int
	// CPUOffload moves /cpu off the event loop onto the worker pool.
	CPUOffload bool
	// MaxThreads bounds the OS threads of the thread-per-connection model (0: default).
	MaxThreads int
	// StatsFile, when set, is where the model writes its Stats as JSON on shutdown.
	StatsFile string
}
