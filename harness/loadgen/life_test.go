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
// which one loop thread serves one request at a time, a little above the
// rate it was just measured to serve: the point must be marked as not
// holding its rate even though no request needs to time out, and its
// throughput must be what it completed, not what was offered. The
// capacity is measured again after the point: a host that sped up by more
// than the margin meanwhile leaves the test unable to tell, and it says so
// rather than fail or pass.
func TestOpenLoopAboveCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("measures a server for a few seconds")
	}
	addr := serveEventloop(t)
	target := "/cpu?iter=" + strconv.Itoa(cpuIterations(4*time.Millisecond))
	cfg := Config{Addr: addr, Mode: ModeClosed, Connections: 4, Warmup: 200 * time.Millisecond, Duration: time.Second, Timeout: 10 * time.Second,
		Mix: []Route{{Target: target, Weight: 1}}}
	measure := func() float64 { return float64(mustRun(t, cfg).Requests) / cfg.Duration.Seconds() }
	before := measure()
	open := cfg
	open.Mode, open.Rate, open.Connections, open.Duration = ModeOpen, 1.3*before, 32, 2*time.Second
	p, v := openPoint(t, open)
	after := measure()
	t.Logf("1.3× capacity (%.0f req/s before, %.0f after): throughput %.0f, p50 %.0f ms, %s %q", before, after, p.Throughput, p.Latency.P50/1000, v.Status, v.Reasons)
	if open.Rate < 1.1*after {
		t.Skipf("the host sped up by %.0f%% while the point ran: it was offered %.0f req/s, no longer above what the server took", 100*(after/before-1), open.Rate)
	}
	if p.Schedule.Held || !strings.Contains(strings.Join(v.Reasons, ";"), "did not hold its rate") || p.Throughput > 0.95*open.Rate {
		t.Errorf("held %v, reasons %q, throughput %.0f of %.0f offered", p.Schedule.Held, v.Reasons, p.Throughput, open.Rate)
	}
}

// TestOpenLoopHoldsBelowCapacity: a route that waits 5 ms, offered well
// below what the connections carry, holds its rate; on one connection,
// which carries about 200 such requests a second, 400 a second wait for it
// and do not. A timer, not the CPU, sets the capacity, so a busy host
// cannot move it far.
func TestOpenLoopHoldsBelowCapacity(t *testing.T) {
	s := startServer(t, faultNone, 0)
	for _, tc := range []struct {
		rate  float64
		conns int
		held  bool
	}{
		{50, 8, true},   // 0.25 requests in flight: room for a slow host
		{400, 1, false}, // twice what one connection carries
	} {
		cfg := short(s.addr(), "/sleep?ms=5")
		cfg.Mode, cfg.Rate, cfg.Connections, cfg.Duration = ModeOpen, tc.rate, tc.conns, 1500*time.Millisecond
		p, v := openPoint(t, cfg)
		if p.Schedule.Held != tc.held {
			t.Errorf("%.0f req/s on one connection: held %v, want %v (%q)", tc.rate, p.Schedule.Held, tc.held, v.Reasons)
		}
	}
}

// openPoint runs an open loop and judges its point.
func openPoint(t *testing.T, cfg Config) (*results.Point, results.Validity) {
	t.Helper()
	res := mustRun(t, cfg)
	p := &results.Point{Mode: ModeOpen}
	res.Point(p)
	return p, validity.Check(p, validity.Counters{})
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

// TestBurst: every connection of a burst is dialled at once and answered
// once; a server that leaves some unanswered has them counted, each as a
// timeout, by the burst's deadline, and the burst ends there.
func TestBurst(t *testing.T) {
	for _, tc := range []struct {
		name       string
		serve      int64 // connections the server answers (0: all)
		unanswered int64
	}{{"all answered", 0, 0}, {"some never answered", 150, 50}} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, faultNone, 0)
			if tc.serve > 0 {
				s.serveAtMost.Store(tc.serve + 1) // and the probe's connection
			}
			cfg := Config{Addr: s.addr(), Mode: ModeBurst, Connections: 200, Timeout: 1500 * time.Millisecond,
				Mix: []Route{{Target: "/plaintext", Weight: 1}}}
			res := mustRun(t, cfg)
			var p results.Point
			res.Point(&p)
			c := p.Connect
			if c == nil || c.Dials != 200 || c.Established != 200 || c.Unanswered != tc.unanswered {
				t.Fatalf("connect %+v", c)
			}
			if p.Requests != 200-tc.unanswered || p.Errors["timeout"] != tc.unanswered || c.FirstAnswer.Count != p.Requests {
				t.Errorf("requests %d, errors %v, first answers %d", p.Requests, p.Errors, c.FirstAnswer.Count)
			}
			// All answered, the burst ends then; else at its deadline.
			if ended := p.Duration < cfg.Timeout.Seconds(); ended != (tc.unanswered == 0) {
				t.Errorf("window %.3f s with a %v deadline", p.Duration, cfg.Timeout)
			}
		})
	}
}
