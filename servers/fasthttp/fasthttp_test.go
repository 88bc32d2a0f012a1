package fasthttp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers/internal/servertest"
	"loopbench/servers/model"
)

// libraryGoroutines are fasthttp's goroutines that outlive Serve: the Date
// updater runs for the life of the process, and the worker pool's cleaner
// notices the stop only after its sleep (up to 10 s).
var libraryGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
}

// start runs the model on a free port and returns its address and a stop
// function that checks Serve's result.
func start(t *testing.T, cfg model.Config) (string, func()) {
	t.Helper()
	cfg.Addr = servertest.FreeAddr(t)
	stop := servertest.Start(t, New(), cfg)
	return cfg.Addr, func() {
		if err := stop(); !errors.Is(err, model.ErrServerClosed) {
			t.Errorf("Serve returned %v, want model.ErrServerClosed", err)
		}
	}
}

func TestRoutes(t *testing.T) {
	defer goleak.VerifyNone(t, libraryGoroutines...)
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	addr, stop := start(t, model.Config{DataDir: dir})
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	tests := []struct {
		method, target string
		status         int
		ctype, body    string
		length         int64
	}{
		{method: "GET", target: "/plaintext", status: 200, ctype: "text/plain; charset=utf-8", body: "Hello, World!", length: 13},
		{method: "GET", target: "/json", status: 200, ctype: "application/json", body: `{"message":"Hello, World!"}`, length: 27},
		{method: "HEAD", target: "/plaintext", status: 200, ctype: "text/plain; charset=utf-8", length: 13}, // no body, its length
		{method: "GET", target: "/sleep?ms=5", status: 200, ctype: "text/plain; charset=utf-8", body: "slept 5 ms", length: 10},
		{method: "GET", target: "/cpu?iter=1", status: 200, ctype: "text/plain; charset=utf-8", body: string(app.CPU(1)), length: 64},
		{method: "GET", target: "/file?name=small.bin", status: 200, ctype: "application/octet-stream", body: string(app.DataContent(1 << 10)), length: 1 << 10},
		{method: "GET", target: "/file?name=..%2fx", status: 404, ctype: "text/plain; charset=utf-8", body: "Not Found", length: 9},     // confinement holds
		{method: "GET", target: "/sleep?ms=60001", status: 400, ctype: "text/plain; charset=utf-8", body: "Bad Request", length: 11},    // out of range
		{method: "POST", target: "/plaintext", status: 405, ctype: "text/plain; charset=utf-8", body: "Method Not Allowed", length: 18}, // route-level rule
		{method: "GET", target: "/upstream?ms=1", status: 502, ctype: "text/plain; charset=utf-8", body: "Bad Gateway", length: 11},     // no backend configured
	}
	for _, tt := range tests {
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", tt.method, tt.target)
		resp, err := http.ReadResponse(r, &http.Request{Method: tt.method})
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || string(body) != tt.body || resp.ContentLength != tt.length ||
			resp.Header.Get("Content-Type") != tt.ctype || resp.Header.Get("Server") != "loopbench" {
			t.Errorf("%s %s = %d %q %q len %d %q, want %d %q %.20q len %d", tt.method, tt.target, resp.StatusCode,
				resp.Header.Get("Server"), resp.Header.Get("Content-Type"), resp.ContentLength, body, tt.status, tt.ctype, tt.body, tt.length)
		}
	}
}

// TestStopInterruptsSleep checks that a stopping server ends a long sleep
// within its grace period instead of waiting for it.
func TestStopInterruptsSleep(t *testing.T) {
	addr, stop := start(t, model.Config{})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /sleep?ms=60000 HTTP/1.1\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	begin := time.Now()
	stop()
	if d := time.Since(begin); d > Grace+5*time.Second {
		t.Errorf("stop took %v with a 60 s sleep in flight, want about %v", d, Grace)
	}
}
