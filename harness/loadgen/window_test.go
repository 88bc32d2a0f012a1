package loadgen

import (
	"context"
	"testing"
	"time"
)

// TestWindowWaitsForEveryConnection runs a closed loop against a server
// that answers only 3 of its 8 connections (and the load generator's first
// probe connection): the window waits for the other
// five's first answers, opens without them after the admission limit, and
// says how many never completed a request.
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
		t.Errorf("window opened %v after the warm-up with %d requests; want about the 1 s limit, and the 3 served connections measured", res.Admission, res.Requests)
	}
}

// TestWindowOpensAtOnceWhenAllAnswer wants no wait past the warm-up when
// every connection has been answered by then.
func TestWindowOpensAtOnceWhenAllAnswer(t *testing.T) {
	s := startServer(t, faultNone, 0)
	res, err := Run(context.Background(), Config{Addr: s.addr(), Mix: []Route{{"/plaintext", 1}}, Mode: ModeClosed, Connections: 8,
		Warmup: 200 * time.Millisecond, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.NotReady != 0 || res.Admission > 100*time.Millisecond {
		t.Errorf("NotReady %d, window %v after the warm-up; want 0 and at once", res.NotReady, res.Admission)
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
