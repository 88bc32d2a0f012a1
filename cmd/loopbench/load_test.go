package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"loopbench/app"
	"loopbench/harness/loadgen"
)

func TestRouteFlag(t *testing.T) {
	tests := []struct {
		in     string
		target string
		weight float64
		bad    bool
	}{
		// A plain target weighs 1.
		{in: "/plaintext", target: "/plaintext", weight: 1},
		// A weight after '='.
		{in: "/plaintext=9", target: "/plaintext", weight: 9},
		// A query keeps its '='; a second one on the last parameter is the weight.
		{in: "/sleep?ms=10", target: "/sleep?ms=10", weight: 1},
		{in: "/sleep?ms=10=0.5", target: "/sleep?ms=10", weight: 0.5},
		{in: "/file?name=small.bin&x=1=3", target: "/file?name=small.bin&x=1", weight: 3},
		// Weights must be positive numbers.
		{in: "/plaintext=0", bad: true},
		{in: "/plaintext=heavy", bad: true},
	}
	for _, tt := range tests {
		var r routeFlags
		err := r.Set(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil || len(r) != 1 || r[0] != (loadgen.Route{Target: tt.target, Weight: tt.weight}) {
			t.Errorf("%q: %v %v, want %s weight %g", tt.in, r, err, tt.target, tt.weight)
		}
	}
}

func TestLoadUsageErrors(t *testing.T) {
	tests := [][]string{
		// Stray arguments.
		{"/plaintext"},
		// A trace brings its own routes.
		{"--trace", "x.trace", "--route", "/json"},
		// An unknown flag.
		{"--conections", "3"},
	}
	for _, args := range tests {
		var out, errOut bytes.Buffer
		if code := exitCode(run(append([]string{"load"}, args...), &out, &errOut), &errOut); code != 2 {
			t.Errorf("load %v: exit %d, want 2 (stderr %q)", args, code, errOut.String())
		}
	}
}

// TestLoadAgainstServer drives a small net/http server and checks both outputs.
func TestLoadAgainstServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(app.PlaintextBody())
	})}
	go srv.Serve(ln)
	defer srv.Close()
	base := []string{"load", "--addr", ln.Addr().String(), "--connections", "2", "--warmup", "50ms", "--duration", "200ms"}

	var out, errOut bytes.Buffer
	if err := run(base, &out, &errOut); err != nil {
		t.Fatalf("load: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"closed loop on 2 connections", "req/s", "status      200: ", "errors      none", "client CPU"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := run(append(base, "--json", "--rate", "100"), &out, &errOut); err != nil {
		t.Fatalf("load --json: %v", err)
	}
	var got loadJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if got.Point == nil || got.Point.Mode != "open" || got.Point.Requests == 0 || got.Offered == 0 || got.Point.Latency.Histogram == "" {
		t.Errorf("--json point %+v", got)
	}
}
