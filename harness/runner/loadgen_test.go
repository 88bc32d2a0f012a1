package runner

import (
	"testing"
	"time"

	"loopbench/harness/workload"
)

// TestLoadgenConfig checks the translation of each shipped workload's first
// level into the load generator's configuration.
func TestLoadgenConfig(t *testing.T) {
	tests := []struct {
		workload    string
		mode        string
		connections int
		pipeline    int
		rate        float64
		idle        int
		routes      int
		trace       bool
	}{
		{"plaintext", "closed", 64, 1, 0, 0, 1, false},                        // the first connection count
		{"pipelined", "closed", 256, 16, 0, 0, 1, false},                      // pipelining
		{"mixed", "open", 256, 1, 1000, 0, 2, false},                          // an open loop with two routes
		{"c10k", "idle", 4, 1, 200, 1000, 1, false},                           // idle connections and an open probe, at the first count
		{"../../workloads/extra/replay.toml", "replay", 64, 1, 0, 0, 3, true}, // the trace's routes become the mix
		{"wait-upstream", "closed", 1000, 1, 0, 0, 1, false},                  // the backend route
		{"accept-burst", "burst", 1000, 1, 0, 0, 1, false},                    // clients arriving at once
	}
	for _, tt := range tests {
		w, err := workload.Find("../../workloads", tt.workload)
		if err != nil {
			t.Fatal(err)
		}
		cfg := LoadgenConfig(LoadRequest{Addr: "127.0.0.1:1", Workload: w, Level: w.Levels()[0], Seed: 7})
		if cfg.Mode != tt.mode || cfg.Connections != tt.connections || cfg.Pipeline != tt.pipeline || cfg.Rate != tt.rate ||
			cfg.IdleConnections != tt.idle || len(cfg.Mix) != tt.routes || (len(cfg.Trace) > 0) != tt.trace {
			t.Errorf("%s: got mode %s, %d connections, pipeline %d, rate %g, idle %d, %d routes, %d trace entries",
				tt.workload, cfg.Mode, cfg.Connections, cfg.Pipeline, cfg.Rate, cfg.IdleConnections, len(cfg.Mix), len(cfg.Trace))
		}
		if cfg.Duration != w.Duration.Duration || cfg.Warmup != w.Warmup.Duration || cfg.Timeout != w.Timeout.Duration || cfg.Seed != 7 ||
			cfg.Stagger != w.Closed.Stagger.Duration {
			t.Errorf("%s: timing %v/%v/%v stagger %v seed %d", tt.workload, cfg.Duration, cfg.Warmup, cfg.Timeout, cfg.Stagger, cfg.Seed)
		}
		if tt.workload == "wait-upstream" && cfg.Stagger != time.Second {
			t.Errorf("wait-upstream: stagger %v, want its 1s", cfg.Stagger)
		}
	}
}

// TestLoadgenConfigQuickReplay checks that a shortened replay sends only the
// trace lines within its duration.
func TestLoadgenConfigQuickReplay(t *testing.T) {
	w, err := workload.Find("../../workloads/extra", "replay")
	if err != nil {
		t.Fatal(err)
	}
	q := w.Quick()
	cfg := LoadgenConfig(LoadRequest{Addr: "127.0.0.1:1", Workload: q, Level: q.Levels()[0]})
	if len(cfg.Trace) == 0 || len(cfg.Trace) >= len(w.Trace) {
		t.Fatalf("quick replay sends %d of %d trace lines", len(cfg.Trace), len(w.Trace))
	}
	if last := cfg.Trace[len(cfg.Trace)-1].At; last >= q.Duration.Duration || q.Duration.Duration > 2*time.Second {
		t.Errorf("last offset %v, duration %v", last, q.Duration.Duration)
	}
}
