package node

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

func TestMain(m *testing.M) {
	if os.Getenv(execHelperEnv) != "" {
		execHelper()
		return
	}
	goleak.VerifyTestMain(m)
}

// TestStop: a request in flight finishes within the grace period, a longer
// one is cut off, and Serve reports a clean stop.
func TestStop(t *testing.T) {
	srv := start(t, model.Config{})
	short, long := sleeper(t, srv.Addr, 1500), sleeper(t, srv.Addr, 60000)
	time.Sleep(500 * time.Millisecond)
	began := time.Now()
	srv.Stop(t)
	if took := time.Since(began); took > stopTimeout {
		t.Errorf("stopping took %v", took)
	}
	if got := <-short; got != "slept 1500 ms" {
		t.Errorf("request in flight: %q, want it answered", got)
	}
	if got := <-long; got != "" {
		t.Errorf("request longer than the grace period: %q, want the connection closed", got)
	}
}

// sleeper opens a connection, makes sure node has accepted it, then asks for
// /sleep?ms=ms; the channel gets the body, or "" if the connection closed.
func sleeper(t *testing.T, addr string, ms int) chan string {
	t.Helper()
	c := testkit.Dial(t, addr)
	if r := c.Get(t, "/plaintext"); r.Status != 200 {
		t.Fatalf("GET /plaintext = %v", r)
	}
	out := make(chan string, 1)
	go func() {
		defer c.Conn.Close()
		r, err := c.Exchange(testkit.Get("/sleep?ms=" + strconv.Itoa(ms)))
		if err != nil {
			out <- ""
			return
		}
		out <- string(r.Body)
	}()
	return out
}

func TestEnviron(t *testing.T) {
	base := []string{"PATH=/bin", "UV_THREADPOOL_SIZE=9"}
	cases := []struct {
		name    string
		pool    int
		want    []string
		wantErr bool
	}{
		// Pool 0 keeps whatever the environment says (libuv's default is 4).
		{"default", 0, base, false},
		// A pool size replaces an inherited UV_THREADPOOL_SIZE.
		{"set", 3, []string{"PATH=/bin", "UV_THREADPOOL_SIZE=3"}, false},
		// libuv's largest pool.
		{"largest", MaxPool, []string{"PATH=/bin", "UV_THREADPOOL_SIZE=1024"}, false},
		// Above libuv's cap: refused instead of silently capped.
		{"too large", MaxPool + 1, nil, true},
		{"negative", -1, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := environ(model.Config{Pool: tc.pool}, base)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Errorf("environ(pool %d) = %q, %v; want %q (error: %v)", tc.pool, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name    string
		version string // what the fake node prints; "" means there is no node
		want    string // a phrase of the error; "" means Check passes
	}{
		// No node on PATH at all.
		{"missing", "", "not found on PATH"},
		// Too old for the model.
		{"node 18", "v18.19.0", "needs Node.js 20 or newer"},
		// Not a version at all.
		{"garbage", "hello", "not a version"},
		// The oldest supported release.
		{"node 20", "v20.0.0", ""},
		// Newer releases pass too.
		{"node 22", "v22.11.0", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.version != "" {
				script := "#!/bin/sh\necho " + tc.version + "\n"
				if err := os.WriteFile(filepath.Join(dir, "node"), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("PATH", dir)
			err := Check()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Check() = %v, want %q", err, tc.want)
			}
			if tc.want == "" {
				return
			}
			serveErr := New().Serve(context.Background(), model.Config{Addr: "127.0.0.1:0"})
			if serveErr == nil || !strings.Contains(serveErr.Error(), err.Error()) {
				t.Errorf("Serve() = %v, want it to carry %q", serveErr, err)
			}
			if tc.version == "" && !errors.Is(serveErr, ErrNotFound) {
				t.Errorf("Serve() = %v, want errors.Is ErrNotFound", serveErr)
			}
		})
	}
}

// TestExitWhileServing: node failing to start (the port is taken) is an
// error with its stderr, not a clean stop.
func TestExitWhileServing(t *testing.T) {
	requireNode(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	m := &Model{Stderr: io.Discard}
	err = m.Serve(context.Background(), model.Config{Addr: ln.Addr().String()})
	if err == nil || errors.Is(err, model.ErrServerClosed) || !strings.Contains(err.Error(), "EADDRINUSE") {
		t.Fatalf("Serve on a taken port = %v, want an error quoting node's EADDRINUSE", err)
	}
}
