package loadgen

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestWindowWaitsForEveryConnection runs a closed loop against a server
// that answers only 3 of its 8 connections (and the load generator's first
// probe connection): admission waits for the other five's first answers,
// gives up after its limit, and the window says how many never completed a
// request.
func TestWindowWaitsForEveryConnection(t *testing.T) {
	s := startServer(t, faultNone, 0)
	s.serveAtMost.Store(4) // the probe and 3 of the 8
	res, err := Run(context.Background(), Config{Addr: s.addr(), Mix: []Route{{"/plaintext", 1}}, Mode: ModeClosed, Connections: 8,
		Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.NotReady != 5 {
		t.Errorf("NotReady = %d, want the 5 connections the server never answered", res.NotReady)
	}
	if res.Admission < 900*time.Millisecond || res.Requests == 0 {
		t.Errorf("admission took %v, then %d requests were measured; want about the 1 s limit, and the 3 served connections measured", res.Admission, res.Requests)
	}
}

// TestAdmissionHoldsAnsweredConnections wants, on both engines, each
// answered connection to hold its next request while admission waits for
// the others: a server that serves 3 of 8 connections gets 3 requests in
// the first half second, not a flood from the 3.
func TestAdmissionHoldsAnsweredConnections(t *testing.T) {
	for _, engine := range []string{EngineEpoll, EngineGoroutines} {
		t.Run(engine, func(t *testing.T) {
			s := startServer(t, faultNone, 0)
			s.serveAtMost.Store(4) // the probe and 3 of the 8
			var during atomic.Int64
			time.AfterFunc(500*time.Millisecond, func() { during.Store(s.served.Load()) })
			res, err := Run(context.Background(), Config{Addr: s.addr(), Mix: []Route{{"/plaintext", 1}}, Mode: ModeClosed, Connections: 8,
				Engine: engine, Warmup: 100 * time.Millisecond, Duration: 200 * time.Millisecond, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if got := during.Load(); got != 3 {
				t.Errorf("the server got %d requests during admission, want 3 (one per served connection)", got)
			}
			if res.Requests == 0 || res.NotReady != 5 {
				t.Errorf("%d requests measured, NotReady %d; want the 3 served connections measured after admission, 5 not ready", res.Requests, res.NotReady)
			}
		})
	}
}

// TestWindowOpensAtOnceWhenAllAnswer wants admission to end at once when
// every connection is answered at once.
func TestWindowOpensAtOnceWhenAllAnswer(t *testing.T) {
	s := startServer(t, faultNone, 0)
	res, err := Run(context.Background(), Config{Addr: s.addr(), Mix: []Route{{"/plaintext", 1}}, Mode: ModeClosed, Connections: 8,
		Warmup: 200 * time.Millisecond, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.NotReady != 0 || res.Admission > 100*time.Millisecond {
		t.Errorf("NotReady %d, admission took %v; want 0 and at once", res.NotReady, res.Admission)
	}
}

// TestUnfinishedRequestsCounted stops the server's answers in the middle
// of the window: the requests in flight when it closes are counted.
func TestUnfinishedRequestsCounted(t *testing.T) {
	s := startServer(t, faultNone, 0)
	cfg := Config{Addr: s.addr(), Mix: []Route{{"/plaintext", 1}}, Mode: ModeClosed, Connections: 4, Pipeline: 2,
		Warmup: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Timeout: 3 * time.Second}
	cfg.OnMeasure = func() { time.AfterFunc(200*time.Millisecond, func() { s.pause(2 * time.Second) }) }
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Unfinished < 4 || res.Unfinished > 8 {
		t.Errorf("Unfinished = %d, want the 4 connections' requests in flight (at most 2 each)", res.Unfinished)
	}
}

// TestInFlightMeasured wants a closed loop on a slow route to measure, on
// both engines, about connections × pipeline requests in flight over its
// window (the 20 ms sleep dwarfs the client's gap between an answer and
// the next request), and a server paused through the window's end to
// leave that count whole: its requests are in flight, just unfinished.
func TestInFlightMeasured(t *testing.T) {
	for _, engine := range []string{EngineEpoll, EngineGoroutines} {
		for _, depth := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/depth%d", engine, depth), func(t *testing.T) {
				s := startServer(t, faultNone, 0)
				cfg := short(s.addr(), "/sleep?ms=20")
				cfg.Connections, cfg.Pipeline, cfg.Engine = 8, depth, engine
				cfg.OnMeasure = func() { time.AfterFunc(300*time.Millisecond, func() { s.pause(time.Second) }) }
				res := mustRun(t, cfg)
				want := float64(8 * depth)
				if res.InFlight < 0.9*want || res.InFlight > 1.001*want {
					t.Errorf("InFlight = %.2f, want about %.0f", res.InFlight, want)
				}
				if res.Unfinished == 0 {
					t.Errorf("no request unfinished, though the server paused through the window's end")
				}
			})
		}
	}
}
