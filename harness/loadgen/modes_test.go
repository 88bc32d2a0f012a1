package loadgen

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// TestOpenLoopShowsStall pauses the server for 500 ms once while an open
// loop and a closed loop drive it at the same time: the open loop's p99
// shows the stall (coordinated omission is corrected), the closed loop's
// does not, because its few connections simply waited.
func TestOpenLoopShowsStall(t *testing.T) {
	s := startServer(t, faultNone, 0)
	open := short(s.addr(), "/plaintext")
	open.Mode, open.Rate, open.Connections = ModeOpen, 200, 8
	open.Warmup, open.Duration = 200*time.Millisecond, 2500*time.Millisecond
	closed := short(s.addr(), "/plaintext")
	closed.Connections, closed.Warmup, closed.Duration = 2, 200*time.Millisecond, 2500*time.Millisecond
	open.OnMeasure = func() { time.AfterFunc(time.Second, func() { s.pause(500 * time.Millisecond) }) }

	var wg sync.WaitGroup
	var closedRes *Result
	var closedErr error
	wg.Go(func() { closedRes, closedErr = Run(context.Background(), closed) })
	openRes := mustRun(t, open)
	wg.Wait()
	if closedErr != nil {
		t.Fatal(closedErr)
	}
	if p99 := openRes.All.ValueAtQuantile(99); p99 < 300_000 {
		t.Errorf("open loop p99 %d µs: want the 500 ms stall to show (over 300 ms)", p99)
	}
	if openRes.Queued == 0 {
		t.Error("no open-loop request waited for a connection during the stall")
	}
	if closedRes.Requests < 500 {
		t.Skipf("closed loop answered only %d requests: the machine is too slow to compare", closedRes.Requests)
	}
	if p99 := closedRes.All.ValueAtQuantile(99); p99 >= 300_000 {
		t.Errorf("closed loop p99 %d µs: want the stall hidden (under 300 ms) as a closed loop hides it", p99)
	}
	if max := closedRes.All.Max(); max < 300_000 {
		t.Errorf("closed loop max %d µs: the stall should still be its maximum", max)
	}
}

// TestOpenLoopRate checks that an open loop offers its rate: every request
// scheduled in the window is answered, and sends are on time.
func TestOpenLoopRate(t *testing.T) {
	s := startServer(t, faultNone, 0)
	cfg := short(s.addr(), "/plaintext", "/json")
	cfg.Mode, cfg.Rate, cfg.Duration = ModeOpen, 500, time.Second
	res := mustRun(t, cfg)
	if res.Offered < 499 || res.Offered > 501 {
		t.Errorf("offered %d in 1 s at 500/s", res.Offered)
	}
	if res.Requests != res.Offered || len(res.Errors) != 0 {
		t.Errorf("requests %d of %d offered, errors %v", res.Requests, res.Offered, res.Errors)
	}
	if lag := res.SendLag.ValueAtQuantile(50); lag > 50_000 {
		t.Errorf("median send lag %d µs: want the schedule kept within 50 ms", lag)
	}
	if a, b := res.Routes[0].Requests, res.Routes[1].Requests; a < 150 || b < 150 {
		t.Errorf("routes got %d and %d requests: want about half each", a, b)
	}
}

// TestReplay plays a short bursty trace at its own timing.
func TestReplay(t *testing.T) {
	s := startServer(t, faultNone, 0)
	cfg := short(s.addr(), "/plaintext", "/sleep?ms=5")
	cfg.Mode, cfg.Duration, cfg.Warmup = ModeReplay, 0, 0
	for i := range 100 {
		at := time.Duration(i) * time.Millisecond // a burst: 100 requests in 100 ms
		if i >= 50 {
			at = 300*time.Millisecond + time.Duration(i)*time.Millisecond
		}
		cfg.Trace = append(cfg.Trace, TraceEntry{At: at, Route: i % 2})
	}
	res := mustRun(t, cfg)
	if res.Offered != 100 || res.Requests != 100 || len(res.Errors) != 0 {
		t.Errorf("offered %d, answered %d, errors %v: want all 100 answered", res.Offered, res.Requests, res.Errors)
	}
	if res.Routes[1].Requests != 50 || res.Routes[1].Hist.Min() < 5000 {
		t.Errorf("/sleep?ms=5: %d requests, min %d µs", res.Routes[1].Requests, res.Routes[1].Hist.Min())
	}
}

// TestPipeliningInOrder pipelines a mix whose answers differ in length and
// timing: any answer matched to the wrong request would be a body error.
func TestPipeliningInOrder(t *testing.T) {
	forEachEngine(t, "mix", func(t *testing.T, engine string) {
		s := startServer(t, faultNone, 0)
		cfg := short(s.addr(), "/plaintext", "/json", "/sleep?ms=1", "/file?name=small.bin")
		cfg.Pipeline, cfg.Engine = 8, engine
		res := mustRun(t, cfg)
		if len(res.Errors) != 0 || res.Requests == 0 {
			t.Fatalf("errors %v, requests %d", res.Errors, res.Requests)
		}
		for _, r := range res.Routes {
			if r.Requests == 0 {
				t.Errorf("route %s got no answers", r.Target)
			}
		}
	})
}

// TestLargeBody streams a 1 MiB body through the 8 KiB read buffer.
func TestLargeBody(t *testing.T) {
	forEachEngine(t, "large.bin", func(t *testing.T, engine string) {
		s := startServer(t, faultNone, 0)
		cfg := short(s.addr(), "/file?name=large.bin")
		// A 1 MiB answer takes a while under the race detector on a busy
		// host: a window long enough to hold a few whole answers.
		cfg.Connections, cfg.Engine, cfg.Duration, cfg.Timeout = 2, engine, 2*time.Second, 10*time.Second
		res := mustRun(t, cfg)
		if len(res.Errors) != 0 || res.Requests == 0 {
			t.Fatalf("errors %v, requests %d", res.Errors, res.Requests)
		}
	})
}

// TestIdleConnectionsHeld opens idle connections at a bounded rate and holds
// them while a probe runs.
func TestIdleConnectionsHeld(t *testing.T) {
	s := startServer(t, faultNone, 0)
	cfg := short(s.addr(), "/plaintext")
	cfg.Mode, cfg.IdleConnections, cfg.ConnectRate, cfg.Connections = ModeIdle, 200, 2000, 2
	var open int64
	cfg.OnMeasure = func() { open = s.open.Load() }
	start := time.Now()
	res := mustRun(t, cfg)
	if res.IdleOpened != 200 || res.IdleHeld != 200 {
		t.Errorf("idle: %d opened, %d held; want 200 and 200", res.IdleOpened, res.IdleHeld)
	}
	if open < 202 {
		t.Errorf("the server had %d connections open during measurement; want 200 idle and 2 probes", open)
	}
	if took := time.Since(start); took < 90*time.Millisecond+cfg.Warmup+cfg.Duration {
		t.Errorf("took %v: 200 connections at 2000/s need about 100 ms before the warm-up", took)
	}
	if res.Requests == 0 || len(res.Errors) != 0 {
		t.Errorf("probe: %d requests, errors %v", res.Requests, res.Errors)
	}
	if res.NotReady != 0 || s.served.Load() < 200 {
		t.Errorf("NotReady %d, %d requests served; want every idle connection answered once", res.NotReady, s.served.Load())
	}
}

// TestIdleConnectionsUnanswered counts the idle connections a server
// accepted but never answered, as one out of threads would.
func TestIdleConnectionsUnanswered(t *testing.T) {
	s := startServer(t, faultNone, 0)
	s.serveAtMost.Store(31) // the probe connection and 30 idle ones
	cfg := short(s.addr(), "/plaintext")
	cfg.Mode, cfg.IdleConnections, cfg.Rate, cfg.Timeout = ModeIdle, 50, 100, 2*time.Second
	res := mustRun(t, cfg)
	if res.NotReady != 20 || res.Admission < 3900*time.Millisecond {
		t.Errorf("NotReady %d after %v (%d opened, errors %v, %d accepted); want the 20 unanswered idle connections, counted after the 4 s limit",
			res.NotReady, res.Admission, res.IdleOpened, res.Errors, s.accepted.Load())
	}
}

// TestIdleConnectionsDropped counts idle connections the server closed.
func TestIdleConnectionsDropped(t *testing.T) {
	s := startServer(t, faultNone, 0)
	s.idleClose.Store(int64(100 * time.Millisecond))
	cfg := short(s.addr(), "/plaintext")
	cfg.Mode, cfg.IdleConnections, cfg.Connections = ModeIdle, 50, 1
	res := mustRun(t, cfg)
	if res.IdleOpened != 50 || res.IdleHeld != 0 {
		t.Errorf("idle: %d opened, %d held; want 50 opened and none held by a server that closes them after 100 ms", res.IdleOpened, res.IdleHeld)
	}
}

// TestNoServer fails at once when nothing listens.
func TestNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err = Run(context.Background(), short(addr, "/plaintext"))
	if !errors.Is(err, ErrNoConnection) {
		t.Errorf("error %v, want ErrNoConnection", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v to notice that nothing listens", took)
	}
}

// TestCancel stops a long run early and keeps what it measured.
func TestCancel(t *testing.T) {
	s := startServer(t, faultNone, 0)
	for _, mode := range []string{ModeClosed, ModeOpen} {
		cfg := short(s.addr(), "/sleep?ms=2")
		cfg.Mode, cfg.Rate, cfg.Duration = mode, 1000, time.Minute
		ctx, cancel := context.WithCancel(context.Background())
		cfg.OnMeasure = func() { time.AfterFunc(300*time.Millisecond, cancel) }
		start := time.Now()
		res, err := Run(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s: took %v after cancellation at 400 ms", mode, took)
		}
		if res.Requests == 0 || res.Duration > 5*time.Second {
			t.Errorf("%s: %d requests in %v: want what was measured before the cancellation", mode, res.Requests, res.Duration)
		}
		if res.Errors["timeout"] != 0 {
			t.Errorf("%s: %d timeouts counted for a cancelled run", mode, res.Errors["timeout"])
		}
	}
}

// TestRouteChoiceIsSeeded checks that a seed fixes the open loop's routes.
func TestRouteChoiceIsSeeded(t *testing.T) {
	cum := []float64{1, 4}
	sched := func(seed int64) []int32 {
		s := &schedule{cum: cum, seed: uint64(seed)}
		var out []int32
		for k := range int64(1000) {
			out = append(out, s.route(k))
		}
		return out
	}
	a, b, c := sched(1), sched(1), sched(2)
	same, ones := 0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 1 chose differently at %d", i)
		}
		if a[i] == c[i] {
			same++
		}
		ones += int(a[i])
	}
	if same == len(a) {
		t.Error("seeds 1 and 2 chose the same routes")
	}
	if ones < 650 || ones > 850 {
		t.Errorf("route 1 of weight 3/4 chosen %d times in 1000", ones)
	}
}
