package eventloop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/model"
)

// testServer is a running server and what the test needs to reach it.
type testServer struct {
	s    *server
	addr string
	stop func() error // cancels Serve and returns its error
}

// startServer runs a server on a free loopback port with cfg (Addr is
// filled in), and stops it when the test ends.
func startServer(t *testing.T, cfg model.Config, tune func(*server)) *testServer {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
		if err := app.WriteDataFiles(cfg.DataDir); err != nil {
			t.Fatal(err)
		}
	}
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tune != nil {
		tune(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	ts := &testServer{s: s, addr: "127.0.0.1:" + strconv.Itoa(s.port)}
	stopped := false
	var result error
	ts.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("server did not stop within 30 s")
			}
		}
		return result
	}
	t.Cleanup(func() {
		if err := ts.stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return ts
}

// dial connects to the server with a generous deadline for the whole test.
func (ts *testServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", ts.addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends one GET on c and reads its answer.
func get(t *testing.T, c net.Conn, r *bufio.Reader, target string) (int, string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, r)
}

func readAnswer(t *testing.T, r *bufio.Reader) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
