package loadgen

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// short is a closed-loop configuration for a test against addr.
func short(addr string, targets ...string) Config {
	cfg := Config{
		Addr:        addr,
		Mode:        ModeClosed,
		Connections: 4,
		Warmup:      100 * time.Millisecond,
		Duration:    500 * time.Millisecond,
		Timeout:     2 * time.Second,
	}
	for _, t := range targets {
		cfg.Mix = append(cfg.Mix, Route{Target: t, Weight: 1})
	}
	return cfg
}

func mustRun(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestClosedLoopKnownDelay(t *testing.T) {
	forEachEngine(t, "sleep", testKnownDelay)
}

func testKnownDelay(t *testing.T, engine string) {
	s := startServer(t, faultNone, 0)
	cfg := short(s.addr(), "/sleep?ms=20")
	cfg.Engine = engine
	var answered atomic.Int64
	var began, ended time.Time
	cfg.Answered = &answered
	cfg.OnMeasure = func() { began = time.Now() }
	cfg.OnMeasureEnd = func() { ended = time.Now() }
	res := mustRun(t, cfg)
	if began.IsZero() || ended.Sub(began) < 450*time.Millisecond {
		t.Errorf("OnMeasure at %v, OnMeasureEnd at %v: want them called 500 ms apart", began, ended)
	}
	if res.Requests == 0 || len(res.Errors) != 0 {
		t.Fatalf("requests %d, errors %v: want answers and no errors", res.Requests, res.Errors)
	}
	if answered.Load() != res.Requests || res.All.TotalCount() != res.Requests {
		t.Errorf("answered %d, histogram %d, requests %d: want them equal", answered.Load(), res.All.TotalCount(), res.Requests)
	}
	// Each connection answers one request per 20 ms: at most 4*500/20 = 100.
	if res.Requests > 110 {
		t.Errorf("requests %d: more than 4 connections can get from a 20 ms server in 500 ms", res.Requests)
	}
	if min, p50 := res.All.Min(), res.All.ValueAtQuantile(50); min < 20_000 || p50 > 120_000 {
		t.Errorf("min %d µs, p50 %d µs: want at least 20 ms and, generously, under 120 ms", min, p50)
	}
	if d := res.Duration; d < 450*time.Millisecond || d > 550*time.Millisecond {
		t.Errorf("measured duration %v: want about 500 ms", d)
	}
}

func TestFdsReleased(t *testing.T) {
	before := openFDs(t)
	s := startServer(t, faultNone, 0)
	mustRun(t, short(s.addr(), "/plaintext"))
	s.close()
	if after := openFDs(t); after > before {
		t.Errorf("open file descriptors: %d before, %d after a run", before, after)
	}
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(ents)
}
