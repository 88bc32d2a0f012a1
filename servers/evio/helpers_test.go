package evio_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"loopbench/app"
)

// ioTimeout bounds every network wait of the tests; generous, so a slow
// machine does not fail them.
const ioTimeout = 20 * time.Second

// startBackend serves the upstream line protocol on a free port until the
// test ends.
func startBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() { serveUpstream(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func serveUpstream(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		_, ms, err := app.ParseUpstreamRequest(line)
		if err != nil {
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		if _, err := c.Write(app.AppendUpstreamReply(nil, ms)); err != nil {
			return
		}
	}
}

// model is servers.Model, restated so these tests build without the
// other models.
type model interface {
	Serve(ctx context.Context, cfg app.Config) error
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// testConfig is a configuration with a backend and a data directory.
func testConfig(t *testing.T) app.Config {
	t.Helper()
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	return app.Config{Addr: freeAddr(t), DataDir: dir, Backend: startBackend(t)}
}

// start serves m with cfg until the returned stop is called (or the test
// ends); stop returns what Serve returned.
func start(t *testing.T, m model, cfg app.Config) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, cfg) }()
	deadline := time.Now().Add(ioTimeout)
	for {
		c, err := net.DialTimeout("tcp", cfg.Addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("Serve returned before answering: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server on %s never answered: %v", cfg.Addr, err)
		}
	}
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(ioTimeout):
				serveErr = errors.New("Serve did not return after cancel")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); !errors.Is(err, app.ErrServerClosed) {
			t.Errorf("Serve returned %v, want app.ErrServerClosed", err)
		}
	})
	return stop
}

// dial opens a client connection with a deadline for the whole test.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(ioTimeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one whole response: head and Content-Length body (none
// for an answer to HEAD).
func readResponse(r *bufio.Reader, head bool) ([]byte, error) {
	var raw []byte
	length := -1
	for {
		line, err := r.ReadBytes('\n')
		raw = append(raw, line...)
		if err != nil {
			return raw, err
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
		if string(line) == "\r\n" {
			break
		}
	}
	if length < 0 {
		return raw, fmt.Errorf("response without Content-Length: %q", raw)
	}
	if head {
		return raw, nil
	}
	body := make([]byte, length)
	_, err := io.ReadFull(r, body)
	return append(raw, body...), err
}

var dateLine = regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)

// normalize replaces the Date header, the one part of an answer that depends
// on when it was rendered.
func normalize(b []byte) string {
	return dateLine.ReplaceAllString(string(b), "\r\nDate: X\r\n")
}

// expected renders what the shared application answers to raw, one request,
// performing its deferred operation the reference way.
func expected(t *testing.T, raw string) string {
	t.Helper()
	var req app.Request
	n, err := app.Parse([]byte(raw), &req)
	if err != nil {
		return normalize(app.AppendError(nil, err))
	}
	if n != len(raw) {
		t.Fatalf("expected: %q is not exactly one request", raw)
	}
	out, a := app.Handle(nil, &req)
	if a.Op == app.OpNone {
		return normalize(out)
	}
	var result []byte
	switch a.Op {
	case app.OpUpstream:
		reply := app.AppendUpstreamReply(nil, a.Millis)
		result = reply[:len(reply)-1]
	case app.OpFile:
		for _, f := range app.DataFiles {
			if f.Name == a.Name {
				result = app.DataContent(f.Size)
			}
		}
		if result == nil {
			err = os.ErrNotExist
		}
	case app.OpCPU:
		result = app.CPU(a.Iter)
	}
	return normalize(app.Finish(nil, &a, result, err))
}

// get is a GET request line and the headers of a kept-alive HTTP/1.1 request.
func get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"
}
