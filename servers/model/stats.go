package model

import (
	"encoding/json"
	"fmt"
	"os"
)

// Stats is what a model with an event loop writes to Config.StatsFile on
// shutdown, as JSON. servers/node/server.js writes the same shape; the
// harness reads it with ReadStats and stores LoopLag in its results.
type Stats struct {
	// LoopLag is how late the lag monitor's timer fired.
	LoopLag LoopLag `json:"loop_lag"`
	// Loops is the number of loops whose lag was merged (0: not said).
	Loops int `json:"loops,omitempty"`
	// Backend is how the loops waited for I/O, "epoll" or "io_uring" (""
	// for a model with one way only): a server asked for io_uring serves
	// with epoll where the kernel refuses io_uring.
	Backend string `json:"backend,omitempty"`
}

// LoopLag is how late an event loop's repeating timer fired, in
// milliseconds, over every loop of the server (Node's monitorEventLoopDelay).
type LoopLag struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// WriteStats writes s to path as indented JSON, atomically: under a
// temporary name first, then renamed, as server.js writes it.
func WriteStats(path string, s Stats) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("stats file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("stats file: %w", err)
	}
	return nil
}

// ReadStats reads a statistics file written by WriteStats or server.js. An
// empty file (a model that measures nothing wrote none) gives ok false; a
// file without loop_lag is an error.
func ReadStats(path string) (s Stats, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return Stats{}, false, err
	}
	var raw struct {
		LoopLag *LoopLag `json:"loop_lag"`
		Loops   int      `json:"loops"`
		Backend string   `json:"backend"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return Stats{}, false, fmt.Errorf("stats file %s: %w", path, err)
	}
	if raw.LoopLag == nil {
		return Stats{}, false, fmt.Errorf("stats file %s: no loop_lag object", path)
	}
	return Stats{LoopLag: *raw.LoopLag, Loops: raw.Loops, Backend: raw.Backend}, true, nil
}
