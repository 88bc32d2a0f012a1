package app

import "errors"

// Config is the configuration every server model receives. The harness passes
// one set of flags to every model; a model ignores the fields it has no use for.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080".
	Addr string
	// DataDir is the directory /file serves from (see WriteDataFiles).
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
	// StatsFile, when set, is where the model writes its statistics as JSON on shutdown.
	StatsFile string
}

// ErrServerClosed is what a model's Serve returns after a clean stop.
var ErrServerClosed = errors.New("loopbench: server closed")
