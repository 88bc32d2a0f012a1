package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/harness/loadgen"
)

func TestLoadUsageErrors(t *testing.T) {
	tests := [][]string{
		// Stray arguments.
		{"/plaintext"},
		// A trace brings its own routes.
		{"--trace", "x.trace", "--route", "/json"},
		// An unknown flag.
		{"--conections", "3"},
		// No connection and no server to read: nothing to do.
		{"--connections", "0"},
		// No connection, yet a rate to send at.
		{"--connections", "0", "--server-pid", "1", "--rate", "5"},
		// A client command times itself: no warm-up of ours.
		{"--connections", "0", "--server-pid", "1", "--warmup", "1s", "true"},
		// A command with connections of our own.
		{"--server-pid", "1", "--", "true"},
	}
	for _, args := range tests {
		var out, errOut bytes.Buffer
		if code := exitCode(run(append([]string{"load"}, args...), &out, &errOut), &errOut); code != 2 {
			t.Errorf("load %v: exit %d, want 2 (stderr %q)", args, code, errOut.String())
		}
	}
}

// plaintextServer starts a small net/http server answering /plaintext for
// the test and returns its address.
func plaintextServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(app.PlaintextBody())
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestLoadAgainstServer drives a small net/http server and checks both outputs.
func TestLoadAgainstServer(t *testing.T) {
	base := []string{"load", "--addr", plaintextServer(t), "--connections", "2", "--warmup", "50ms", "--duration", "200ms"}

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
	var got loadgen.Output
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if got.Point.Mode != "open" || got.Point.Requests == 0 || got.Offered == 0 || got.Point.Latency.Histogram == "" {
		t.Errorf("--json point %+v", got)
	}
}

// TestLoadServerPID reads the test's own process as the server: the point
// carries its CPU time, memory and threads, and the text shows them.
func TestLoadServerPID(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("--server-pid reads Linux's /proc")
	}
	args := []string{"load", "--addr", plaintextServer(t), "--connections", "2", "--warmup", "50ms", "--duration", "300ms",
		"--server-pid", strconv.Itoa(os.Getpid())}

	var out, errOut bytes.Buffer
	if err := run(append(args, "--json"), &out, &errOut); err != nil {
		t.Fatalf("load --server-pid: %v\n%s", err, errOut.String())
	}
	var got loadgen.Output
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	if s := got.Point.Server; s.CPUUser+s.CPUSys <= 0 || s.RSS <= 0 || s.Threads <= 0 || got.Point.CPUPerRequest <= 0 || len(got.Point.Samples) == 0 {
		t.Errorf("server figures %+v, %g µs per request, %d samples: want CPU, memory, threads and samples", s, got.Point.CPUPerRequest, len(got.Point.Samples))
	}

	out.Reset()
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("load --server-pid: %v", err)
	}
	for _, want := range []string{"server CPU  user ", "µs per request", "threads"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestLoadWatch sends nothing with --connections 0 and reads the server
// until the signal that ends the window, which is no error.
func TestLoadWatch(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("--server-pid reads Linux's /proc")
	}
	old := signalContext
	defer func() { signalContext = old }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signalContext = func() (context.Context, context.CancelFunc) { return ctx, func() {} }
	time.AfterFunc(200*time.Millisecond, cancel)

	var out, errOut bytes.Buffer
	start := time.Now()
	err := run([]string{"load", "--connections", "0", "--server-pid", strconv.Itoa(os.Getpid()), "--warmup", "0", "--duration", "1h"}, &out, &errOut)
	if err != nil {
		t.Fatalf("load --connections 0: %v\n%s", err, errOut.String())
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the window lasted %v after the signal", d)
	}
	for _, want := range []string{"no request sent", "server CPU  user ", "n/a per request"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestLoadWatchCommand reads the server while a client command runs, its
// output passed through and its CPU time shown as the client's.
func TestLoadWatchCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("--server-pid reads Linux's /proc")
	}
	var out, errOut bytes.Buffer
	args := []string{"load", "--connections", "0", "--server-pid", strconv.Itoa(os.Getpid()), "--", "sh", "-c", "echo the client ran"}
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("load --connections 0 -- sh: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"the client ran\n", "client CPU  user ", "server CPU  user "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(append(args[:len(args)-3], "false"), &out, &errOut); err == nil {
		t.Error("a failing client command is no error")
	}
}
