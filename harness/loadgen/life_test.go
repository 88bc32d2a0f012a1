package loadgen

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/harness/results"
	"loopbench/harness/validity"
	"loopbench/servers/eventloop"
	"loopbench/servers/model"
)

// TestEstablishmentRecorded: every connection of a closed loop (either
// engine) and of idle mode is recorded with its connect latency and its
// first answer.
func TestEstablishmentRecorded(t *testing.T) {
	forEachEngine(t, "closed", func(t *testing.T, engine string) {
		s := startServer(t, faultNone, 0)
		cfg := short(s.addr(), "/plaintext")
		cfg.Engine = engine
		e := mustRun(t, cfg).Establishment
		if e.Dials < 4 || e.Established != e.Dials || e.Answered != e.Established || len(e.Failed) != 0 {
			t.Fatalf("%+v", e)
		}
		if e.Connect.TotalCount() != e.Established || e.FirstAnswer.TotalCount() != e.Answered {
			t.Errorf("histograms hold %d connects and %d first answers", e.Connect.TotalCount(), e.FirstAnswer.TotalCount())
		}
		if e.FirstAnswer.Max() < e.Connect.Min() || e.Settled <= 0 {
			t.Errorf("first answers %d µs, connects %d µs, settled %v", e.FirstAnswer.Max(), e.Connect.Min(), e.Settled)
		}
	})
	t.Run("idle", func(t *testing.T) {
		s := startServer(t, faultNone, 0)
		cfg := short(s.addr(), "/plaintext")
		cfg.Mode, cfg.IdleConnections, cfg.Connections = ModeIdle, 50, 1
		res := mustRun(t, cfg)
		var p results.Point
		res.Point(&p)
		if c := p.Connect; c == nil || c.Established < 51 || c.Unanswered != 0 || c.FirstAnswer.Count < 51 {
			t.Errorf("connect %+v", c)
		}
	})
}

// TestDialFailuresClassified names how dials fail.
func TestDialFailuresClassified(t *testing.T) {
	s := newEstablish()
	s.dialed(0, 10, nil)
	s.dialed(0, 10, &timeoutError{})
	if e := s.result(); e.Established != 1 || e.Failed["timeout"] != 1 || e.Unanswered() != 1 {
		t.Errorf("%+v", e)
	}
}

type timeoutError struct{}

func (*timeoutError) Error() string   { return "i/o timeout" }
func (*timeoutError) Timeout() bool   { return true }
func (*timeoutError) Temporary() bool { return true }

// TestOpenLoopAboveCapacity offers the homemade loop's inline /cpu route,
// which one loop thread serves one at a time, a little above the rate it
// was just measured to serve: the point must be marked as not holding its
// rate even though no request times out, and its throughput must be what
// it completed, not what was offered. Below capacity it holds.
func TestOpenLoopAboveCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a server for a few seconds")
	}
	addr := serveEventloop(t)
	target := "/cpu?iter=" + strconv.Itoa(cpuIterations(4*time.Millisecond))
	cfg := Config{Addr: addr, Mode: ModeClosed, Connections: 1, Warmup: 300 * time.Millisecond, Duration: time.Second, Timeout: 10 * time.Second,
		Mix: []Route{{Target: target, Weight: 1}}}
	capacity := float64(mustRun(t, cfg).Requests) / cfg.Duration.Seconds()
	for _, tc := range []struct {
		share float64
		held  bool
	}{{1.3, false}, {0.4, true}} {
		cfg := cfg
		cfg.Mode, cfg.Rate, cfg.Connections, cfg.Duration = ModeOpen, tc.share*capacity, 32, 2*time.Second
		res := mustRun(t, cfg)
		p := results.Point{Mode: ModeOpen}
		res.Point(&p)
		v := validity.Check(&p, validity.Counters{})
		t.Logf("%.1f× capacity (%.0f req/s): throughput %.0f, p50 %.0f ms, %s %q", tc.share, capacity, p.Throughput, p.Latency.P50/1000, v.Status, v.Reasons)
		if p.Schedule.Held != tc.held {
			t.Errorf("offered %.1f× capacity: held %v, want %v (%q)", tc.share, p.Schedule.Held, tc.held, v.Reasons)
		}
		if !tc.held {
			if p.Errors["timeout"] > 0 {
				t.Logf("(%d requests timed out)", p.Errors["timeout"])
			}
			if !strings.Contains(strings.Join(v.Reasons, ";"), "did not hold its rate") || p.Throughput > 0.95*cfg.Rate {
				t.Errorf("reasons %q, throughput %.0f of %.0f offered", v.Reasons, p.Throughput, cfg.Rate)
			}
		}
	}
}

// serveEventloop serves the homemade loop in this process.
func serveEventloop(t *testing.T) string {
	t.Helper()
	s := startServer(t, faultNone, 0) // a free port, then given up
	addr := s.addr()
	s.close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eventloop.New().Serve(ctx, model.Config{Addr: addr, DataDir: t.TempDir()}) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := &run{cfg: Config{Addr: addr, Timeout: time.Second}}
		r.ctx = ctx
		if nc, _, err := r.dial(false); err == nil {
			nc.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("the homemade loop did not listen")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpuIterations is the /cpu iteration count that takes about d here.
func cpuIterations(d time.Duration) int {
	const probe = 5000
	start := time.Now()
	app.CPU(probe)
	per := time.Since(start) / probe
	return max(int(d/max(per, 1)), 100)
}
