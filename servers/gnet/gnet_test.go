package gnet_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers/gnet"
)

// variants are the configurations every route is checked under.
var variants = []struct {
	name string
	edit func(*app.Config)
}{
	{"default", func(*app.Config) {}},
	{"cpu-offload", func(c *app.Config) { c.CPUOffload = true }},
	{"loops-2", func(c *app.Config) { c.Loops = 2 }},
	{"pool-2", func(c *app.Config) { c.Pool = 2 }},
}

// routes are single requests whose answers must equal the shared
// application's rendering byte for byte (Date aside).
var routes = []struct {
	name, raw string
}{
	{"plaintext", get("/plaintext")},
	{"json", get("/json")},
	{"head has no body", "HEAD /json HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"sleep", get("/sleep?ms=5")},
	{"sleep zero", get("/sleep?ms=0")},
	{"upstream", get("/upstream?ms=5")},
	{"small file", get("/file?name=small.bin")},
	{"large file", get("/file?name=large.bin")},
	{"missing file is 404", get("/file?name=nope.bin")},
	{"file outside the data dir is 404", get("/file?name=..%2Fetc")},
	{"cpu", get("/cpu?iter=1000")},
	{"cpu out of range is 400", get("/cpu?iter=0")},
	{"unknown path is 404", get("/nope")},
	{"POST is 405", "POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"},
	{"HTTP/1.0 gets keep-alive only when asked", "GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
}

func TestRoutes(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			cfg := testConfig(t)
			v.edit(&cfg)
			start(t, gnet.New(), cfg)
			c := dial(t, cfg.Addr)
			r := bufio.NewReader(c)
			for _, rt := range routes {
				if _, err := io.WriteString(c, rt.raw); err != nil {
					t.Fatal(err)
				}
				got, err := readResponse(r, strings.HasPrefix(rt.raw, "HEAD"))
				if err != nil {
					t.Fatalf("%s: %v", rt.name, err)
				}
				if want := expected(t, rt.raw); normalize(got) != want {
					t.Errorf("%s:\n got %.300q\nwant %.300q", rt.name, normalize(got), want)
				}
			}
		})
	}
}

// TestPipelinedOrder sends requests in one write, deferred ones among
// immediate ones, and wants the answers in request order.
func TestPipelinedOrder(t *testing.T) {
	reqs := []string{
		get("/plaintext"),
		get("/sleep?ms=60"), // finishes last: everything behind it waits
		get("/json"),
		get("/cpu?iter=2000"),
		get("/upstream?ms=20"),
		get("/file?name=medium.bin"),
		get("/sleep?ms=1"),
		get("/plaintext"),
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			cfg := testConfig(t)
			v.edit(&cfg)
			start(t, gnet.New(), cfg)
			checkPipeline(t, cfg.Addr, reqs)
		})
	}
}

func checkPipeline(t *testing.T, addr string, reqs []string) {
	t.Helper()
	c := dial(t, addr)
	if _, err := io.WriteString(c, strings.Join(reqs, "")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	for i, raw := range reqs {
		got, err := readResponse(r, false)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if want := expected(t, raw); normalize(got) != want {
			t.Fatalf("answer %d:\n got %.200q\nwant %.200q", i, normalize(got), want)
		}
	}
}

// TestTrickled sends requests a byte per write, the second one deferred.
func TestTrickled(t *testing.T) {
	cfg := testConfig(t)
	start(t, gnet.New(), cfg)
	c := dial(t, cfg.Addr)
	reqs := get("/json") + get("/sleep?ms=1")
	for i := range len(reqs) {
		if _, err := io.WriteString(c, reqs[i:i+1]); err != nil {
			t.Fatalf("writing byte %d: %v", i, err)
		}
		time.Sleep(time.Millisecond)
	}
	r := bufio.NewReader(c)
	for _, raw := range []string{get("/json"), get("/sleep?ms=1")} {
		got, err := readResponse(r, false)
		if err != nil || normalize(got) != expected(t, raw) {
			t.Fatalf("got %q, %v; want %q", got, err, expected(t, raw))
		}
	}
}

// TestPipelineBeyondQueueBound pipelines more deferred requests than a
// connection may queue, so reading stops and resumes as answers leave.
func TestPipelineBeyondQueueBound(t *testing.T) {
	cfg := testConfig(t)
	start(t, gnet.New(), cfg)
	reqs := make([]string, 700)
	for i := range reqs {
		reqs[i] = get("/sleep?ms=1")
		if i%3 == 0 {
			reqs[i] = get("/plaintext")
		}
	}
	checkPipeline(t, cfg.Addr, reqs)
}

// TestSlowReader pipelines more answers than gnet may hold unsent for a
// connection before the client reads any; the requests sent after that wait
// and are answered, in order, once the client reads.
func TestSlowReader(t *testing.T) {
	cfg := testConfig(t)
	start(t, gnet.New(), cfg)
	c := dial(t, cfg.Addr)
	first := strings.Repeat(get("/file?name=large.bin"), 6)
	then := get("/plaintext") + get("/sleep?ms=1") + get("/json")
	io.WriteString(c, first)
	time.Sleep(200 * time.Millisecond)
	io.WriteString(c, then)
	time.Sleep(50 * time.Millisecond)
	r := bufio.NewReader(c)
	for i, raw := range append(slices.Repeat([]string{get("/file?name=large.bin")}, 6), get("/plaintext"), get("/sleep?ms=1"), get("/json")) {
		got, err := readResponse(r, false)
		if err != nil || normalize(got) != expected(t, raw) {
			t.Fatalf("answer %d: %.100q, %v", i, got, err)
		}
	}
}

// TestClose checks that the connection closes after an answer that says so,
// and only after the whole answer has left, even one larger than the socket
// buffers that the client is slow to read.
func TestClose(t *testing.T) {
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
	cfg := testConfig(t)
	start(t, gnet.New(), cfg)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, cfg.Addr)
			large := get("/file?name=large.bin")
			if _, err := io.WriteString(c, strings.Repeat(large, tc.before)+tc.raw+get("/plaintext")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // let the server fill the socket buffers
			r := bufio.NewReader(c)
			for range tc.before {
				got, err := readResponse(r, false)
				if err != nil || normalize(got) != expected(t, large) {
					t.Fatalf("large answer ahead: %.100q, %v", got, err)
				}
			}
			got, err := readResponse(r, false)
			if err != nil {
				t.Fatal(err)
			}
			if want := expected(t, tc.raw); normalize(got) != want {
				t.Errorf("got %.200q\nwant %.200q", normalize(got), want)
			}
			if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
				t.Errorf("after the closing answer: %d more bytes, %v; want EOF", len(rest), err)
			}
		})
	}
}

// TestShutdown stops the server with requests in flight and idle
// connections open, and wants no goroutine or file descriptor left behind.
func TestShutdown(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) { testShutdown(t, v.edit) })
	}
}

func testShutdown(t *testing.T, edit func(*app.Config)) {
	cfg := testConfig(t)
	edit(&cfg)
	opts := goleak.IgnoreCurrent()
	fds := openFDs(t)
	stop := start(t, gnet.New(), cfg)
	sleeping := dial(t, cfg.Addr)
	io.WriteString(sleeping, get("/sleep?ms=30000"))
	upstream := dial(t, cfg.Addr)
	io.WriteString(upstream, get("/upstream?ms=300"))
	dial(t, cfg.Addr)
	time.Sleep(50 * time.Millisecond)
	began := time.Now()
	if err := stop(); !errors.Is(err, app.ErrServerClosed) {
		t.Fatalf("Serve returned %v, want app.ErrServerClosed", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if n, _ := io.Copy(io.Discard, sleeping); n != 0 {
		t.Errorf("a sleep in flight at shutdown got %d bytes of answer", n)
	}
	goleak.VerifyNone(t, opts)
	if after := openFDs(t); after > fds+3 { // the three client sockets, closed at cleanup
		t.Errorf("%d file descriptors open after Serve returned, %d before", after, fds)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(ents)
}

// TestListenError wants Serve to fail, not hang, when it cannot listen.
func TestListenError(t *testing.T) {
	cfg := testConfig(t)
	cfg.Addr = "256.0.0.1:1"
	done := make(chan error, 1)
	go func() { done <- gnet.New().Serve(t.Context(), cfg) }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, app.ErrServerClosed) {
			t.Errorf("Serve returned %v, want a listen error", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Serve hung on a bad address")
	}
}
