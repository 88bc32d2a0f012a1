// Package testkit is the one set of helpers that the tests under servers/
// share: a free address, a data directory, the real backend and a stub of
// it, a model served in this process, a client connection that reads
// answers as net/http does, the shared application's own answer to compare
// with, and the process's descriptors and threads. Only tests import it.
//
// Every wait is bounded by IOTimeout or StopTimeout, both generous, so a
// slow, noisy machine makes a test slower, never wrong.
package testkit

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/backend"
	"loopbench/servers/model"
)

// IOTimeout bounds every dial, read and write of a test, so a server that
// never answers fails the test instead of hanging it.
const IOTimeout = 20 * time.Second

// StopTimeout bounds how long a stopped model's Serve may take to return.
const StopTimeout = 30 * time.Second

// FreeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// DataDir returns a directory, removed when the test ends, holding the data
// files /file serves (app.DataFiles).
func DataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Config returns the configuration most tests serve a model with: a free
// address, a data directory and the real backend, running until the test
// ends.
func Config(t testing.TB) model.Config {
	t.Helper()
	return model.Config{Addr: FreeAddr(t), DataDir: DataDir(t), Backend: StartBackend(t).Addr}
}

// Backend is the real upstream service (package backend) serving on a free
// port.
type Backend struct {
	// Addr is where it listens.
	Addr   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// StartBackend serves the real backend until Stop or the test's end.
func StartBackend(t testing.TB) *Backend {
	t.Helper()
	return StartBackendIn(t, "")
}

// FIFOSlots is how many of /fifo's FIFOs StartBackendIn makes: more /fifo
// requests than any test holds at once, far fewer than a run's backend
// makes (app.FIFOSlots), since each costs the test process a goroutine and
// a descriptor, and making them all took 0.4 s under the race detector.
const FIFOSlots = 64

// StartBackendIn serves the real backend until Stop or the test's end, and
// FIFOSlots of /fifo's FIFOs in dataDir's fifo/ subdirectory (none when
// dataDir is "").
func StartBackendIn(t testing.TB, dataDir string) *Backend {
	t.Helper()
	s, err := backend.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if dataDir != "" {
		if err := s.ServeFIFOs(dataDir, FIFOSlots); err != nil {
			s.Close()
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Backend{Addr: s.Addr(), cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Errorf("backend: %v", err)
		}
	})
	return b
}

// Stop stops the backend and returns what its Serve returned; later calls
// return the same.
func (b *Backend) Stop() error {
	b.once.Do(func() {
		b.cancel()
		b.err = <-b.done
	})
	return b.err
}

// OpenFDs counts the process's open file descriptors, skipping the test
// where /proc/self/fd does not exist.
func OpenFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("cannot count file descriptors:", err)
	}
	return len(ents)
}

// Threads returns the number of threads of process pid, read from the
// Threads line of /proc/PID/status, skipping the test where there is none.
func Threads(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skip("cannot count threads:", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Fatalf("no Threads line in /proc/%d/status", pid)
	return 0
}

// SyncBuffer is a bytes.Buffer safe for one writer goroutine (a logger, a
// child process's stderr copier) and the test reading it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Get returns a kept-alive HTTP/1.1 GET of target, with a Host header (which
// fasthttp requires).
func Get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: loopbench\r\n\r\n"
}

// Method returns the method of a raw request: its first word.
func Method(raw string) string {
	m, _, _ := strings.Cut(raw, " ")
	return m
}

// Clip shortens b for a failure message.
func Clip(b []byte) string {
	if len(b) > 80 {
		return fmt.Sprintf("%q... (%d bytes)", b[:80], len(b))
	}
	return fmt.Sprintf("%q", b)
}
