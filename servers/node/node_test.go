package node

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers/model"
)

func TestMain(m *testing.M) {
	if os.Getenv(execHelperEnv) != "" {
		execHelper()
		return
	}
	goleak.VerifyTestMain(m)
}

// render is the shared application's answer to one raw request, with every
// deferred operation performed the way the node model performs it.
func render(t *testing.T, raw, dir string) []byte {
	t.Helper()
	var r app.Request
	n, err := app.Parse([]byte(raw), &r)
	if err != nil {
		return app.AppendError(nil, err)
	}
	if n == 0 {
		t.Fatalf("app.Parse wants more bytes of %q", raw)
	}
	out, a := app.Handle(nil, &r)
	switch a.Op {
	case app.OpSleep:
		return app.Finish(out, &a, nil, nil)
	case app.OpUpstream:
		reply := app.AppendUpstreamReply(nil, a.Millis)
		return app.Finish(out, &a, reply[:len(reply)-1], nil)
	case app.OpFile:
		data, err := app.ReadFile(dir, a.Name)
		return app.Finish(out, &a, data, err)
	case app.OpCPU:
		return app.Finish(out, &a, app.CPU(a.Iter), nil)
	}
	return out
}

// routeCases are requests node must answer exactly as the shared application does.
var routeCases = []struct {
	name string
	req  string
}{
	{"plaintext", "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"json", "GET /json HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"sleep zero", "GET /sleep?ms=0 HTTP/1.1\r\n\r\n"},
	{"sleep", "GET /sleep?ms=20 HTTP/1.1\r\n\r\n"},
	{"sleep first of repeated params wins", "GET /sleep?ms=3&ms=x HTTP/1.1\r\n\r\n"},
	{"upstream", "GET /upstream?ms=5 HTTP/1.1\r\n\r\n"},
	{"file small", "GET /file?name=small.bin HTTP/1.1\r\n\r\n"},
	{"file medium", "GET /file?name=medium.bin HTTP/1.1\r\n\r\n"},
	{"file large", "GET /file?name=large.bin HTTP/1.1\r\n\r\n"},
	{"file percent-encoded name", "GET /file?x=1&name=sm%61ll.bin HTTP/1.1\r\n\r\n"},
	{"file missing", "GET /file?name=nope.bin HTTP/1.1\r\n\r\n"},
	{"file traversal", "GET /file?name=..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\n\r\n"},
	{"file dot", "GET /file?name=. HTTP/1.1\r\n\r\n"},
	{"file separator", "GET /file?name=a/b HTTP/1.1\r\n\r\n"},
	{"file truncated escape", "GET /file?name=small%2 HTTP/1.1\r\n\r\n"},
	{"file plus is not a space", "GET /file?name=a+b HTTP/1.1\r\n\r\n"},
	{"file name too long", "GET /file?name=" + strings.Repeat("a", 256) + " HTTP/1.1\r\n\r\n"},
	{"file without name", "GET /file?nam=small.bin HTTP/1.1\r\n\r\n"},
	{"cpu", "GET /cpu?iter=1000 HTTP/1.1\r\n\r\n"},
	{"cpu one iteration", "GET /cpu?iter=1 HTTP/1.1\r\n\r\n"},
	{"cpu zero iterations", "GET /cpu?iter=0 HTTP/1.1\r\n\r\n"},
	{"cpu too many iterations", "GET /cpu?iter=10000001 HTTP/1.1\r\n\r\n"},
	{"sleep over the limit", "GET /sleep?ms=60001 HTTP/1.1\r\n\r\n"},
	{"sleep negative", "GET /sleep?ms=-1 HTTP/1.1\r\n\r\n"},
	{"sleep not a number", "GET /sleep?ms=1e3 HTTP/1.1\r\n\r\n"},
	{"sleep empty", "GET /sleep?ms= HTTP/1.1\r\n\r\n"},
	{"sleep ten digits", "GET /sleep?ms=0000000001 HTTP/1.1\r\n\r\n"},
	{"upstream without ms", "GET /upstream HTTP/1.1\r\n\r\n"},
	{"unknown path", "GET /nope HTTP/1.1\r\n\r\n"},
	{"path is not decoded", "GET /plain%74ext HTTP/1.1\r\n\r\n"},
	{"trailing slash", "GET /plaintext/ HTTP/1.1\r\n\r\n"},
	{"query on a fixed route", "GET /plaintext?x=1 HTTP/1.1\r\n\r\n"},
	{"POST with a body", "POST /plaintext HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"},
	{"DELETE on an unknown path", "DELETE /nope HTTP/1.1\r\n\r\n"},
	{"HEAD json", "HEAD /json HTTP/1.1\r\n\r\n"},
	{"HEAD cpu", "HEAD /cpu?iter=10 HTTP/1.1\r\n\r\n"},
	{"HEAD missing file", "HEAD /file?name=nope HTTP/1.1\r\n\r\n"},
	{"HTTP/1.0 closes", "GET /plaintext HTTP/1.0\r\n\r\n"},
	{"HTTP/1.0 keep-alive", "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
	{"Connection: close", "GET /plaintext HTTP/1.1\r\nConnection: close\r\n\r\n"},
	{"chunked body closes", "GET /plaintext HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"body over 64 KiB closes", "GET /plaintext HTTP/1.1\r\nContent-Length: 100000\r\n\r\n"},
	{"request target with an absolute URI", "GET http://x/plaintext HTTP/1.1\r\n\r\n"},
	{"asterisk target", "OPTIONS * HTTP/1.1\r\n\r\n"},
	{"HTTP/1.9", "GET /plaintext HTTP/1.9\r\n\r\n"},
	{"HTTP/2.0", "GET /plaintext HTTP/2.0\r\n\r\n"},
}

func TestRoutes(t *testing.T) {
	backend := startBackend(t, nil)
	dir := dataDir(t)
	for _, offload := range []bool{false, true} {
		srv := start(t, model.Config{DataDir: dir, Backend: backend, CPUOffload: offload})
		for _, tc := range routeCases {
			t.Run(variant(offload)+"/"+tc.name, func(t *testing.T) {
				got, body := exchange(t, srv.addr, tc.req)
				sameResponse(t, got, body, render(t, tc.req, dir))
			})
		}
	}
}

func variant(offload bool) string {
	if offload {
		return "cpu-offload"
	}
	return "default"
}

func methodOf(req string) string {
	m, _, _ := strings.Cut(req, " ")
	return m
}

// exchange sends one raw request on a fresh connection and reads node's answer.
func exchange(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, body, err := readResponse(bufio.NewReader(c), methodOf(req))
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", req, err)
	}
	return resp, body
}

// sameResponse compares what a client can rely on: status, the headers the
// shared application writes, the body and whether the connection closes.
func sameResponse(t *testing.T, g *http.Response, gb, want []byte) {
	t.Helper()
	w, wb := parse(t, g.Request.Method, want)
	if g.StatusCode != w.StatusCode {
		t.Errorf("status %d, want %d", g.StatusCode, w.StatusCode)
	}
	for _, h := range []string{"Server", "Content-Type", "Content-Length"} {
		if g.Header.Get(h) != w.Header.Get(h) {
			t.Errorf("%s: %q, want %q", h, g.Header.Get(h), w.Header.Get(h))
		}
	}
	if _, err := http.ParseTime(g.Header.Get("Date")); err != nil {
		t.Errorf("Date %q: %v", g.Header.Get("Date"), err)
	}
	if string(gb) != string(wb) {
		t.Errorf("body %q, want %q", clip(gb), clip(wb))
	}
	if g.Close != w.Close {
		t.Errorf("closes the connection: %v, want %v", g.Close, w.Close)
	}
}

func parse(t *testing.T, method string, raw []byte) (*http.Response, []byte) {
	t.Helper()
	resp, body, err := readResponse(bufio.NewReader(strings.NewReader(string(raw))), method)
	if err != nil {
		t.Fatalf("parsing %q: %v", clip(raw), err)
	}
	return resp, body
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// TestPipelined sends requests with deferred operations in one write; the
// answers must come back in order.
func TestPipelined(t *testing.T) {
	backend := startBackend(t, nil)
	dir := dataDir(t)
	srv := start(t, model.Config{Backend: backend, DataDir: dir})
	targets := []string{"/sleep?ms=30", "/plaintext", "/upstream?ms=10", "/cpu?iter=100", "/file?name=small.bin", "/json", "/sleep?ms=0", "/nope"}
	var req strings.Builder
	for range 2 {
		for _, target := range targets {
			req.WriteString("GET " + target + " HTTP/1.1\r\n\r\n")
		}
	}
	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, req.String())
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	for i := range 2 * len(targets) {
		resp, body, err := readResponse(br, "GET")
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		want := render(t, "GET "+targets[i%len(targets)]+" HTTP/1.1\r\n\r\n", dir)
		w, wb := parse(t, "GET", want)
		if resp.StatusCode != w.StatusCode || string(body) != string(wb) {
			t.Errorf("answer %d to %s: %q, want %q", i, targets[i%len(targets)], clip(body), clip(wb))
		}
	}
}

// TestStop: a request in flight finishes within the grace period, a longer
// one is cut off, and Serve reports a clean stop.
func TestStop(t *testing.T) {
	srv := start(t, model.Config{})
	short, long := sleeper(t, srv.addr, 1500), sleeper(t, srv.addr, 60000)
	time.Sleep(500 * time.Millisecond)
	began := time.Now()
	if err := srv.stop(t); !errors.Is(err, model.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
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
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /plaintext HTTP/1.1\r\n\r\n")
	if _, _, err := readResponse(br, "GET"); err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 1)
	go func() {
		defer c.Close()
		c.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(c, "GET /sleep?ms="+strconv.Itoa(ms)+" HTTP/1.1\r\n\r\n")
		_, body, _ := readResponse(br, "GET")
		out <- string(body)
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

// TestRefusalAfterPending: a malformed request pipelined behind one still
// being answered is refused after that answer, once, and the connection closes.
func TestRefusalAfterPending(t *testing.T) {
	srv := start(t, model.Config{})
	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /sleep?ms=200 HTTP/1.1\r\n\r\nGET /json HTTP/1.1\r\n\r\nGARBAGE\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	io.WriteString(c, "MORE GARBAGE\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	for i, want := range []string{"slept 200 ms", `{"message":"Hello, World!"}`, "Bad Request"} {
		_, body, err := readResponse(br, "GET")
		if err != nil || string(body) != want {
			t.Fatalf("answer %d: %q, %v; want %q", i, body, err, want)
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the refusal: %q, %v; want the connection closed", rest, err)
	}
}
