//go:build !race

package threaded

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestPlaintextAllocs checks the claim of the package doc: in steady state
// a connection allocates nothing per request. It counts the process's
// allocations over many keep-alive requests from a client that allocates
// nothing itself.
func TestPlaintextAllocs(t *testing.T) {
	const requests = 2000
	c, err := net.Dial("tcp", start(t, model.Config{}).Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	n := firstResponse(t, c, req, buf)
	if per := allocsPerRequest(t, c, req, buf[:n], requests); per > 0.1 {
		t.Errorf("%.2f allocations per /plaintext request, want 0", per)
	}
}

// TestFileAllocs checks that /file allocates nothing per request either
// (openat, read and close on the data directory's descriptor into the
// connection's buffers), so a file workload does not set off the
// collections whose pauses stall connection threads.
func TestFileAllocs(t *testing.T) {
	const requests = 500
	c, err := net.Dial("tcp", start(t, model.Config{DataDir: testkit.DataDir(t)}).Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET /file?name=medium.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	counter := &countingReader{r: c}
	resp, err := http.ReadResponse(bufio.NewReaderSize(counter, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || len(body) != 64<<10 {
		t.Fatalf("first /file answer: %d, %d body bytes, %v; want 200 and 64 KiB", resp.StatusCode, len(body), err)
	}
	if per := allocsPerRequest(t, c, req, make([]byte, counter.n), requests); per > 0.1 {
		t.Errorf("%.2f allocations per /file request, want 0", per)
	}
}

// allocsPerRequest sends req n times over c, reading each answer whole into
// answer (sized to it), and returns the process's allocations per request.
func allocsPerRequest(t *testing.T, c net.Conn, req, answer []byte, n int) float64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, answer); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	t.Logf("%d allocations in the process over %d requests", after.Mallocs-before.Mallocs, n)
	return float64(after.Mallocs-before.Mallocs) / float64(n)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

// firstResponse makes one request and returns the length of its answer,
// which is the same for every /plaintext answer.
func firstResponse(t *testing.T, c net.Conn, req, buf []byte) int {
	t.Helper()
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	n := 0
	for !bytes.HasSuffix(buf[:n], app.PlaintextBody()) {
		m, err := c.Read(buf[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
	}
	return n
}
