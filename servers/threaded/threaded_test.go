package threaded

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers/internal/servertest"
	"loopbench/servers/model"
)

func TestCapacityFor(t *testing.T) {
	tests := []struct {
		maxThreads int
		atLeast    int
	}{
		{maxThreads: DefaultMaxThreads, atLeast: 15186}, // the default: 15,186, as the package doc says
		{maxThreads: 10000, atLeast: 7500},              // Go's own default limit
		{maxThreads: 200, atLeast: 90},                  // a tiny limit still admits some
		{maxThreads: 50, atLeast: 0},                    // below the runtime's own needs: none
	}
	for _, tt := range tests {
		c := capacityFor(tt.maxThreads)
		if c < tt.atLeast {
			t.Errorf("capacityFor(%d) = %d, want at least %d", tt.maxThreads, c, tt.atLeast)
		}
		if c > 0 && c+gcWorkers(procsFor(c))+runtimeThreads > tt.maxThreads {
			t.Errorf("capacityFor(%d) = %d leaves no room for the runtime", tt.maxThreads, c)
		}
	}
}

func TestNextProcs(t *testing.T) {
	tests := []struct {
		cur, live, want int
	}{
		{cur: 64, live: 0, want: 64},         // idle: stay at the floor
		{cur: 2, live: 1, want: 64},          // lowered by someone else: back to the floor
		{cur: 64, live: 38, want: 64},        // 38 threads fit in 64 slots
		{cur: 64, live: 40, want: 80},        // one more: grow by a quarter
		{cur: 64, live: 1000, want: 1266},    // a burst: jump straight to the need
		{cur: 1266, live: 1000, want: 1266},  // as many as needed: keep them
		{cur: 1266, live: 1001, want: 1582},  // one more: grow by a quarter
		{cur: 1266, live: 900, want: 1266},   // fewer connections: keep the slots
		{cur: 4096, live: 200, want: 532},    // far too many slots: shrink to twice the need
		{cur: 8192, live: 9000, want: 10000}, // never beyond the ceiling
	}
	for _, tt := range tests {
		if got := nextProcs(tt.cur, tt.live, minProcs, 10000); got != tt.want {
			t.Errorf("nextProcs(%d, %d) = %d, want %d", tt.cur, tt.live, got, tt.want)
		}
	}
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

func get(t *testing.T, c net.Conn, r *bufio.Reader, target string) (int, string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := bufio.NewReader(resp.Body).WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b.String()
}

func TestRoutes(t *testing.T) {
	defer goleak.VerifyNone(t)
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
		target string
		status int
		body   string
	}{
		{target: "/plaintext", status: 200, body: "Hello, World!"},
		{target: "/sleep?ms=5", status: 200, body: "slept 5 ms"},
		{target: "/cpu?iter=1", status: 200, body: string(app.CPU(1))},
		{target: "/file?name=small.bin", status: 200, body: string(app.DataContent(1 << 10))},
		{target: "/file?name=large.bin", status: 200, body: string(app.DataContent(1 << 20))},
		{target: "/file?name=none.bin", status: 404, body: "Not Found"},
		{target: "/upstream?ms=1", status: 502, body: "Bad Gateway"}, // started without a backend
	}
	for _, tt := range tests {
		status, body := get(t, c, r, tt.target)
		if status != tt.status || body != tt.body {
			t.Errorf("GET %s = %d %.40q, want %d %.40q", tt.target, status, body, tt.status, tt.body)
		}
	}
}

// threads reads the process's thread count from /proc/self/status.
func threads(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Fatal("no Threads line in /proc/self/status")
	return 0
}

// TestThreadPerConnection holds 1,000 connections open and checks that the
// process runs at least one thread for each, and that a garbage collection
// with that many scheduler slots stays within the thread limit.
func TestThreadPerConnection(t *testing.T) {
	const n = 1000
	addr, stop := start(t, model.Config{})
	defer stop()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 512)
	for _, c := range conns { // every connection answered: its thread exists
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	got := threads(t)
	t.Logf("%d connections: %d threads, GOMAXPROCS %d", n, got, runtime.GOMAXPROCS(0))
	if got < n {
		t.Errorf("%d connections ran on %d threads, want at least %d", n, got, n)
	}
	runtime.GC()
	t.Logf("after a garbage collection: %d threads", threads(t))
}

// TestRefuseBeyondCapacity checks that connections beyond what the thread
// limit has room for are closed, not served and not fatal, and that the
// server serves again once connections end.
func TestRefuseBeyondCapacity(t *testing.T) {
	const maxThreads, extra = 200, 30
	capacity := capacityFor(maxThreads)
	addr, stop := start(t, model.Config{MaxThreads: maxThreads})
	defer stop()
	conns := make([]net.Conn, 0, capacity+extra)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	answered := 0
	buf := make([]byte, 512)
	for range capacity + extra {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\n\r\n")); err == nil {
			if n, err := c.Read(buf); err == nil && strings.Contains(string(buf[:n]), "Hello, World!") {
				answered++
			}
		}
	}
	// start's readiness probe may still hold a thread for a moment: one less.
	if answered > capacity || answered < capacity-1 {
		t.Errorf("%d of %d connections answered, want the capacity, %d", answered, len(conns), capacity)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = conns[:0]
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		r := bufio.NewReader(c)
		if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\n\r\n")); err == nil {
			if resp, err := http.ReadResponse(r, nil); err == nil && resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not serve again after its connections ended")
		}
	}
}
