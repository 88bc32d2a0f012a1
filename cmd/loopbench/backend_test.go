package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a writer safe for a command writing while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBackend runs `loopbench backend` on a free port, asks it for one
// delay and stops it as SIGTERM would.
func TestBackend(t *testing.T) {
	old := signalContext
	defer func() { signalContext = old }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signalContext = func() (context.Context, context.CancelFunc) { return ctx, func() {} }
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- exitCode(run([]string{"backend", "--addr", "127.0.0.1:0"}, io.Discard, &stderr), &stderr)
	}()
	addr := waitAddr(t, &stderr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "3\n")
	if line, err := bufio.NewReader(c).ReadString('\n'); line != "upstream 3 ms\n" || err != nil {
		t.Fatalf("reply %q, %v", line, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

// waitAddr reads the address from the backend's listening line.
func waitAddr(t *testing.T, stderr *lockedBuffer) string {
	const prefix = "loopbench backend: listening on "
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if s, ok := strings.CutPrefix(stderr.String(), prefix); ok && strings.HasSuffix(s, "\n") {
			addr, _, _ := strings.Cut(strings.TrimSpace(s), ";")
			return addr
		}
	}
	t.Fatalf("no listening line in %q", stderr.String())
	return ""
}

// TestBackendBusyPort checks the error for an address in use.
func TestBackendBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, stderr, code := runCmd("backend", "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(stderr, "choose another --addr") {
		t.Fatalf("exit %d, %q; want 1 and advice", code, stderr)
	}
}
