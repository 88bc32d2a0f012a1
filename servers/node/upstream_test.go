package node

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/model"
)

// TestUpstreamFailures: every way the backend can fail is a 502, and node
// keeps serving.
func TestUpstreamFailures(t *testing.T) {
	closed := freeAddr(t)
	cases := []struct {
		name    string
		backend string
	}{
		// No --backend at all.
		{"no backend configured", ""},
		// Nothing listens there: the connection is refused.
		{"backend refuses", closed},
		// A reply that is not an upstream line.
		{"backend garbage", startBackend(t, func(int) []byte { return []byte("bogus\n") })},
		// A line longer than the protocol allows.
		{"backend overlong", startBackend(t, func(int) []byte { return []byte("upstream " + strings.Repeat("9", 80) + "\n") })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, model.Config{Backend: tc.backend})
			for range 2 {
				resp, body, err := get(srv.addr, "/upstream?ms=1")
				if err != nil || resp.StatusCode != 502 || string(body) != "Bad Gateway" {
					t.Fatalf("got %v %q %v, want 502 Bad Gateway", resp, body, err)
				}
			}
			if resp, _, err := get(srv.addr, "/plaintext"); err != nil || resp.StatusCode != 200 {
				t.Fatalf("after the failures: %v %v", resp, err)
			}
		})
	}
}

// TestUpstreamReuse checks that sequential /upstream requests reuse one kept-alive backend socket.
func TestUpstreamReuse(t *testing.T) {
	var dials int
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials++
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						return
					}
					_, ms, _ := app.ParseUpstreamRequest(line)
					c.Write(app.AppendUpstreamReply(nil, ms))
				}
			}()
		}
	}()
	srv := start(t, model.Config{Backend: ln.Addr().String()})
	for i := range 5 {
		resp, body, err := get(srv.addr, "/upstream?ms=1")
		if err != nil || string(body) != "upstream 1 ms" {
			t.Fatalf("request %d: %v %q %v", i, resp, body, err)
		}
	}
	srv.stop(t)
	ln.Close()
	<-done
	if dials != 1 {
		t.Errorf("node opened %d backend connections for 5 sequential requests, want 1", dials)
	}
}

// TestUpstreamConcurrent: concurrent /upstream calls each get their own
// backend connection and wait together, not one after another.
func TestUpstreamConcurrent(t *testing.T) {
	const n, ms = 100, 200
	srv := start(t, model.Config{Backend: startBackend(t, nil)})
	began := time.Now()
	errs := make(chan error, n)
	for range n {
		go func() {
			resp, body, err := get(srv.addr, "/upstream?ms="+strconv.Itoa(ms))
			if err == nil && (resp.StatusCode != 200 || string(body) != "upstream 200 ms") {
				err = errors.New(resp.Status + " " + string(body))
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// One after another they would take n*ms = 20 s.
	if took := time.Since(began); took > n*ms*time.Millisecond/2 {
		t.Errorf("%d concurrent /upstream?ms=%d took %v", n, ms, took)
	}
}
