//go:build !race

package threaded

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"

	"loopbench/app"
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
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range requests {
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:n]); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	per := float64(after.Mallocs-before.Mallocs) / requests
	t.Logf("%d allocations in the process over %d requests", after.Mallocs-before.Mallocs, requests)
	if per > 0.1 {
		t.Errorf("%.2f allocations per /plaintext request, want 0", per)
	}
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
