// Package servertest holds the tests that the event-loop models (gnet,
// evio) share: helpers that serve a model in-process on a free 127.0.0.1
// port and compare its answers with the shared application's rendering, and
// a Suite of checks each model's tests run against it.
package servertest

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
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/backend"
	"loopbench/servers/model"
)

// IOTimeout bounds every network wait of the tests; generous, so a slow
// machine does not fail them.
const IOTimeout = 20 * time.Second

// Variant is a named edit of the test configuration that the per-variant
// checks of a Suite run under.
type Variant struct {
	Name string
	Edit func(*model.Config)
}

// Variants returns the configurations every model is checked under (default,
// CPU offload, two loops), followed by extra.
func Variants(extra ...Variant) []Variant {
	return append([]Variant{
		{"default", func(*model.Config) {}},
		{"cpu-offload", func(c *model.Config) { c.CPUOffload = true }},
		{"loops-2", func(c *model.Config) { c.Loops = 2 }},
	}, extra...)
}

// Suite is the set of checks, run over real sockets, that the event-loop
// models share; each model's tests call its methods from their own Test
// functions.
type Suite struct {
	// New returns a fresh model to serve.
	New func() model.Model
	// Variants are the configurations that Routes, PipelinedOrder and
	// Shutdown run under, one subtest each.
	Variants []Variant
}

// routes are single requests whose answers must equal the shared
// application's rendering byte for byte (Date aside).
var routes = []struct {
	name, raw string
}{
	{"plaintext", Get("/plaintext")},
	{"json", Get("/json")},
	{"head has no body", "HEAD /json HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"sleep", Get("/sleep?ms=5")},
	{"sleep zero", Get("/sleep?ms=0")},
	{"upstream", Get("/upstream?ms=5")},
	{"small file", Get("/file?name=small.bin")},
	{"large file", Get("/file?name=large.bin")},
	{"missing file is 404", Get("/file?name=nope.bin")},
	{"file outside the data dir is 404", Get("/file?name=..%2Fetc")},
	{"cpu", Get("/cpu?iter=1000")},
	{"cpu out of range is 400", Get("/cpu?iter=0")},
	{"unknown path is 404", Get("/nope")},
	{"POST is 405", "POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"},
	{"HTTP/1.0 gets keep-alive only when asked", "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
}

// Routes sends every route on one connection, under each variant, and wants
// each answer to equal the shared application's rendering.
func (s Suite) Routes(t *testing.T) {
	for _, v := range s.Variants {
		t.Run(v.Name, func(t *testing.T) {
			cfg := Config(t)
			v.Edit(&cfg)
			Start(t, s.New(), cfg)
			c := Dial(t, cfg.Addr)
			r := bufio.NewReader(c)
			for _, rt := range routes {
				if _, err := io.WriteString(c, rt.raw); err != nil {
					t.Fatal(err)
				}
				got, err := ReadResponse(r, strings.HasPrefix(rt.raw, "HEAD"))
				if err != nil {
					t.Fatalf("%s: %v", rt.name, err)
				}
				if want := Expected(t, rt.raw); Normalize(got) != want {
					t.Errorf("%s:\n got %.300q\nwant %.300q", rt.name, Normalize(got), want)
				}
			}
		})
	}
}

// PipelinedOrder sends requests in one write, deferred ones among immediate
// ones, and wants the answers in request order.
func (s Suite) PipelinedOrder(t *testing.T) {
	reqs := []string{
		Get("/plaintext"),
		Get("/sleep?ms=60"), // finishes last: everything behind it waits
		Get("/json"),
		Get("/cpu?iter=2000"),
		Get("/upstream?ms=20"),
		Get("/file?name=medium.bin"),
		Get("/sleep?ms=1"),
		Get("/plaintext"),
	}
	for _, v := range s.Variants {
		t.Run(v.Name, func(t *testing.T) {
			cfg := Config(t)
			v.Edit(&cfg)
			Start(t, s.New(), cfg)
			checkPipeline(t, cfg.Addr, reqs)
		})
	}
}

func checkPipeline(t *testing.T, addr string, reqs []string) {
	t.Helper()
	c := Dial(t, addr)
	if _, err := io.WriteString(c, strings.Join(reqs, "")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for i, raw := range reqs {
		got, err := ReadResponse(r, false)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if want := Expected(t, raw); Normalize(got) != want {
			t.Fatalf("answer %d:\n got %.200q\nwant %.200q", i, Normalize(got), want)
		}
	}
}

// Trickled sends requests a byte per write, the second one deferred.
func (s Suite) Trickled(t *testing.T) {
	cfg := Config(t)
	Start(t, s.New(), cfg)
	c := Dial(t, cfg.Addr)
	reqs := Get("/json") + Get("/sleep?ms=1")
	for i := range len(reqs) {
		if _, err := io.WriteString(c, reqs[i:i+1]); err != nil {
			t.Fatalf("writing byte %d: %v", i, err)
		}
		time.Sleep(time.Millisecond)
	}
	r := bufio.NewReader(c)
	for _, raw := range []string{Get("/json"), Get("/sleep?ms=1")} {
		got, err := ReadResponse(r, false)
		if err != nil || Normalize(got) != Expected(t, raw) {
			t.Fatalf("got %q, %v; want %q", got, err, Expected(t, raw))
		}
	}
}

// PipelineBeyondQueueBound pipelines more deferred requests than a
// connection may queue, so reading stops and resumes as answers leave.
func (s Suite) PipelineBeyondQueueBound(t *testing.T) {
	cfg := Config(t)
	Start(t, s.New(), cfg)
	reqs := make([]string, 700)
	for i := range reqs {
		reqs[i] = Get("/sleep?ms=1")
		if i%3 == 0 {
			reqs[i] = Get("/plaintext")
		}
	}
	checkPipeline(t, cfg.Addr, reqs)
}

// Close checks that the connection closes after an answer that says so, and
// only after the whole answer has left, even one larger than the socket
// buffers that the client is slow to read.
func (s Suite) Close(t *testing.T) {
	cases := []struct {
		name, raw string
		before    int // large-file answers pipelined ahead of raw
	}{
		{"immediate answer", "GET /plaintext HTTP/1.1\r\nConnection: close\r\n\r\n", 0},
		{"deferred answer", "GET /sleep?ms=20 HTTP/1.1\r\nConnection: close\r\n\r\n", 0},
		{"HTTP/1.0", "GET /json HTTP/1.0\r\n\r\n", 0},
		{"large file", "GET /file?name=large.bin HTTP/1.1\r\nConnection: close\r\n\r\n", 0},
		{"behind 8 MiB of answers", "GET /json HTTP/1.1\r\nConnection: close\r\n\r\n", 8},
		{"malformed request", "GET / HTTP/1.1\nHost: x\n\n", 0},
		{"header block too large", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", app.MaxHeaderBytes) + "\r\n\r\n", 0},
	}
	cfg := Config(t)
	Start(t, s.New(), cfg)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Dial(t, cfg.Addr)
			large := Get("/file?name=large.bin")
			if _, err := io.WriteString(c, strings.Repeat(large, tc.before)+tc.raw+Get("/plaintext")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // let the server fill the socket buffers
			r := bufio.NewReader(c)
			for range tc.before {
				got, err := ReadResponse(r, false)
				if err != nil || Normalize(got) != Expected(t, large) {
					t.Fatalf("large answer ahead: %.100q, %v", got, err)
				}
			}
			got, err := ReadResponse(r, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := Expected(t, tc.raw); Normalize(got) != want {
				t.Errorf("got %.200q\nwant %.200q", Normalize(got), want)
			}
			if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
				t.Errorf("after the closing answer: %d more bytes, %v; want EOF", len(rest), err)
			}
		})
	}
}

// Shutdown stops the server, under each variant, with requests in flight
// and idle connections open, and wants no goroutine or file descriptor left
// behind.
func (s Suite) Shutdown(t *testing.T) {
	for _, v := range s.Variants {
		t.Run(v.Name, func(t *testing.T) { s.shutdown(t, v.Edit) })
	}
}

func (s Suite) shutdown(t *testing.T, edit func(*model.Config)) {
	cfg := Config(t)
	edit(&cfg)
	opts := goleak.IgnoreCurrent()
	fds := OpenFDs(t)
	stop := Start(t, s.New(), cfg)
	sleeping := Dial(t, cfg.Addr)
	io.WriteString(sleeping, Get("/sleep?ms=30000"))
	upstream := Dial(t, cfg.Addr)
	io.WriteString(upstream, Get("/upstream?ms=300"))
	Dial(t, cfg.Addr)
	time.Sleep(50 * time.Millisecond)
	began := time.Now()
	if err := stop(); !errors.Is(err, model.ErrServerClosed) {
		t.Fatalf("Serve returned %v, want model.ErrServerClosed", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if n, _ := io.Copy(io.Discard, sleeping); n != 0 {
		t.Errorf("a sleep in flight at shutdown got %d bytes of answer", n)
	}
	goleak.VerifyNone(t, opts)
	if after := OpenFDs(t); after > fds+3 { // the three client sockets, closed at cleanup
		t.Errorf("%d file descriptors open after Serve returned, %d before", after, fds)
	}
}

// ListenError wants Serve to fail, not hang, when it cannot listen.
func (s Suite) ListenError(t *testing.T) {
	cfg := Config(t)
	cfg.Addr = "256.0.0.1:1"
	done := make(chan error, 1)
	go func() { done <- s.New().Serve(t.Context(), cfg) }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, model.ErrServerClosed) {
			t.Errorf("Serve returned %v, want a listen error", err)
		}
	case <-time.After(IOTimeout):
		t.Fatal("Serve hung on a bad address")
	}
}

// OpenFDs counts the process's open file descriptors, skipping the test
// where /proc/self/fd does not exist.
func OpenFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(ents)
}

// startBackend runs the real upstream service (backend) on a free
// port until the test ends.
func startBackend(t *testing.T) string {
	t.Helper()
	b, err := backend.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return b.Addr()
}

// FreeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func FreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Config returns a configuration with a free 127.0.0.1 address, a backend
// serving until the test ends, and a data directory holding the data files.
func Config(t *testing.T) model.Config {
	t.Helper()
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	return model.Config{Addr: FreeAddr(t), DataDir: dir, Backend: startBackend(t)}
}

// Start serves m with cfg until the returned stop is called (or the test
// ends); stop returns what Serve returned. At cleanup the test fails unless
// Serve returned model.ErrServerClosed.
func Start(t *testing.T, m model.Model, cfg model.Config) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, cfg) }()
	deadline := time.Now().Add(IOTimeout)
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
			case <-time.After(IOTimeout):
				serveErr = errors.New("the model's Serve did not return after cancel")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); !errors.Is(err, model.ErrServerClosed) {
			t.Errorf("Serve returned %v, want model.ErrServerClosed", err)
		}
	})
	return stop
}

// Dial opens a client connection with a deadline for the whole test, closed
// when the test ends.
func Dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, IOTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(IOTimeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// ReadResponse reads one whole response: head and Content-Length body (none
// for an answer to HEAD).
func ReadResponse(r *bufio.Reader, head bool) ([]byte, error) {
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

// Normalize replaces the Date header, the one part of an answer that depends
// on when it was rendered.
func Normalize(b []byte) string {
	return dateLine.ReplaceAllString(string(b), "\r\nDate: X\r\n")
}

// Expected renders what the shared application answers to raw, one request,
// performing its deferred operation the reference way; the result is
// normalized.
func Expected(t *testing.T, raw string) string {
	t.Helper()
	var req app.Request
	n, err := app.Parse([]byte(raw), &req)
	if err != nil {
		return Normalize(app.AppendError(nil, err))
	}
	if n != len(raw) {
		t.Fatalf("expected: %q is not exactly one request", raw)
	}
	out, a := app.Handle(nil, &req)
	if a.Op == app.OpNone {
		return Normalize(out)
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
	return Normalize(app.Finish(nil, &a, result, err))
}

// Get returns a GET request line for target and the headers of a kept-alive
// HTTP/1.1 request.
func Get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"
}
