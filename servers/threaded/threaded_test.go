package threaded

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
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

// start serves the model with cfg on a free port until the test ends.
func start(t *testing.T, cfg model.Config) *testkit.Server {
	t.Helper()
	cfg.Addr = testkit.FreeAddr(t)
	return testkit.Start(t, New(), cfg)
}

// TestThreadPerConnection holds 1,000 connections open and checks that the
// process runs at least one thread for each, and that a garbage collection
// with that many scheduler slots stays within the thread limit.
func TestThreadPerConnection(t *testing.T) {
	const n = 1000
	addr := start(t, model.Config{}).Addr
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
		if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 512)
	for _, c := range conns { // every connection answered: its thread exists
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	got := testkit.Threads(t, os.Getpid())
	t.Logf("%d connections: %d threads, GOMAXPROCS %d", n, got, runtime.GOMAXPROCS(0))
	if got < n {
		t.Errorf("%d connections ran on %d threads, want at least %d", n, got, n)
	}
	runtime.GC()
	t.Logf("after a garbage collection: %d threads", testkit.Threads(t, os.Getpid()))
}

// TestRefuseBeyondCapacity checks that connections beyond what the thread
// limit has room for are closed, not served and not fatal, and that the
// server serves again once connections end.
func TestRefuseBeyondCapacity(t *testing.T) {
	const maxThreads, extra = 200, 30
	capacity := capacityFor(maxThreads)
	addr := start(t, model.Config{MaxThreads: maxThreads}).Addr
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
		if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")); err == nil {
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
		if _, err := c.Write([]byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")); err == nil {
			if resp, err := http.ReadResponse(r, nil); err == nil && resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not serve again after its connections ended")
		}
	}
}
