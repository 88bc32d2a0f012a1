package loadgen

import (
	"fmt"
	"testing"
	"time"
)

// TestFaultsAreClassified runs a closed loop against servers that misbehave
// on every fifth request and checks that each failure lands in its class
// while the other answers still count.
func TestFaultsAreClassified(t *testing.T) {
	tests := []struct {
		name  string
		fault fault
		class string
		// keeps is set when the fault leaves the connection usable.
		keeps bool
	}{
		// A body that differs in one byte is a wrong body.
		{name: "wrong body", fault: faultBody, class: "body", keeps: true},
		// A 503 counts as a wrong status, and in the status counts.
		{name: "wrong status", fault: faultStatus, class: "status", keeps: true},
		// A TCP reset mid-conversation.
		{name: "reset", fault: faultReset, class: "reset"},
		// End of stream in the middle of an answer.
		{name: "truncated", fault: faultTruncate, class: "closed"},
		// Bytes that are not HTTP.
		{name: "garbage", fault: faultGarbage, class: "protocol"},
	}
	for _, tt := range tests {
		forEachEngine(t, tt.name, func(t *testing.T, engine string) {
			s := startServer(t, tt.fault, 5)
			cfg := short(s.addr(), "/plaintext")
			cfg.Duration, cfg.Engine = 300*time.Millisecond, engine
			res := mustRun(t, cfg)
			if res.Errors[tt.class] == 0 || res.Requests == 0 {
				t.Fatalf("errors %v, %d correct answers: want %q errors and correct answers", res.Errors, res.Requests, tt.class)
			}
			for class, n := range res.Errors {
				if class != tt.class {
					t.Errorf("%d unexpected %q errors (all: %v)", n, class, res.Errors)
				}
			}
			if tt.keeps && res.Reconnects != 0 {
				t.Errorf("%d reconnects: a wrong answer should not break the connection", res.Reconnects)
			}
			if !tt.keeps && res.Reconnects == 0 {
				t.Error("no reconnects after broken connections")
			}
			if tt.fault == faultStatus && (res.Status[503] != res.Errors["status"] || res.Status[200] != res.Requests) {
				t.Errorf("status counts %v, errors %v, requests %d: want every 503 and 200 counted", res.Status, res.Errors, res.Requests)
			}
		})
	}
}

// TestTimeout checks that a request the server never answers counts as a
// timeout after Timeout, and the run still ends on time.
func TestTimeout(t *testing.T) {
	forEachEngine(t, "hang", func(t *testing.T, engine string) {
		s := startServer(t, faultHang, 3)
		cfg := short(s.addr(), "/plaintext")
		cfg.Connections, cfg.Timeout, cfg.Duration, cfg.Engine = 2, 100*time.Millisecond, 600*time.Millisecond, engine
		start := time.Now()
		res := mustRun(t, cfg)
		if res.Errors["timeout"] == 0 || res.Requests == 0 {
			t.Errorf("errors %v, requests %d: want timeouts and answers", res.Errors, res.Requests)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("the run took %v; want about 700 ms", took)
		}
	})
}

// TestServerClosesAfterAnswer checks that an answer with Connection: close
// is counted as correct and followed by a new connection; pipelined requests
// behind it are lost ("closed").
func TestServerClosesAfterAnswer(t *testing.T) {
	for _, depth := range []int{1, 4} {
		forEachEngine(t, fmt.Sprintf("pipeline %d", depth), func(t *testing.T, engine string) {
			s := startServer(t, faultClose, 3)
			cfg := short(s.addr(), "/plaintext")
			cfg.Duration, cfg.Engine, cfg.Pipeline = 300*time.Millisecond, engine, depth
			res := mustRun(t, cfg)
			if res.Reconnects == 0 || res.Requests == 0 {
				t.Errorf("%d reconnects, %d requests", res.Reconnects, res.Requests)
			}
			if depth == 1 && len(res.Errors) != 0 {
				t.Errorf("errors %v: a close announced after the answer loses nothing", res.Errors)
			}
			if depth > 1 && (res.Errors["closed"] == 0 || len(res.Errors) != 1) {
				t.Errorf("errors %v: want only the pipelined requests behind each close, as \"closed\"", res.Errors)
			}
		})
	}
}

// forEachEngine runs f as a subtest for each closed-loop engine.
func forEachEngine(t *testing.T, name string, f func(t *testing.T, engine string)) {
	engines := []string{EngineGoroutines}
	if epollSupported {
		engines = append(engines, EngineEpoll)
	}
	for _, e := range engines {
		t.Run(name+"/"+e, func(t *testing.T) { f(t, e) })
	}
}
