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
	"runtime"
	"time"
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
	// Loops is the number of event loops, where the model has loops (0:
	// 1; LoopsPerCPU: one per CPU the process may run on). LoopCount reads it.
	Loops int
	// CPUOffload moves /cpu off the event loop onto the worker pool.
	CPUOffload bool
	// IOUring runs the homemade event loop on io_uring instead of epoll
	// where the kernel allows it; where it does not, the loop says why and
	// serves with epoll (Stats.Backend records which one served).
	IOUring bool
	// MaxThreads bounds the OS threads of the thread-per-connection model (0: default).
	MaxThreads int
	// StatsFile, when set, is where the model writes its Stats as JSON on shutdown.
	StatsFile string
	// HeadTimeout bounds how long a request (its head and the body the
	// parser waits for) may take to arrive once its first byte has: past
	// it the connection is answered 408 and closed (0: DefaultHeadTimeout).
	HeadTimeout time.Duration
	// IdleTimeout bounds how long a connection may wait on its client with
	// nothing in progress: for the first byte of its next request, or for
	// the client to take any byte of an answer it is not reading. Past it
	// the connection is closed without an answer (0: DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxUnsent bounds the answer bytes a connection may hold unsent before
	// it stops reading requests, where the model queues answers itself
	// (0: DefaultMaxUnsent).
	MaxUnsent int
}

// LoopsPerCPU is the Loops of a server that runs one event loop per CPU it
// may run on (`loopbench serve --loops 0`): the CPUs its affinity allows,
// which taskset sets before the process starts and Go's runtime.NumCPU
// reads at its start.
const LoopsPerCPU = -1

// LoopCount is the number of event loops the configuration asks for.
func (c Config) LoopCount() int {
	if c.Loops == LoopsPerCPU {
		return runtime.NumCPU()
	}
	return max(c.Loops, 1)
}

// Defaults of the bounds on a connection, for a zero Config field.
const (
	// DefaultHeadTimeout is nginx's client_header_timeout (60 s) cut to
	// what a client on a loopback or a LAN could ever need.
	DefaultHeadTimeout = 10 * time.Second
	// DefaultIdleTimeout leaves idle keep-alive connections alone far
	// longer than any workload holds them (workloads/c10k.toml opens 10,000
	// and holds them for seconds), as nginx's keepalive_timeout (75 s) does.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxUnsent is 64 KiB, beyond the socket's own send buffer.
	DefaultMaxUnsent = 64 << 10
)

// Head is HeadTimeout, or its default.
func (c Config) Head() time.Duration { return orDefault(c.HeadTimeout, DefaultHeadTimeout) }

// Idle is IdleTimeout, or its default.
func (c Config) Idle() time.Duration { return orDefault(c.IdleTimeout, DefaultIdleTimeout) }

// Unsent is MaxUnsent, or its default.
func (c Config) Unsent() int {
	if c.MaxUnsent <= 0 {
		return DefaultMaxUnsent
	}
	return c.MaxUnsent
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
