package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
)

// startFIFOs runs a backend serving FIFOs in a fresh data directory until
// the test ends (or stop is called), and returns it with the directory.
func startFIFOs(t *testing.T) (s *Server, dir string, stop func()) {
	t.Helper()
	dir = t.TempDir()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ServeFIFOs(dir, 0); err != nil {
		s.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("Serve after cancel: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return s, dir, stop
}

// openSlot opens a slot's FIFO for writing as the Go models' goroutines do
// (an os.File on the netpoller), closed when the test ends.
func openSlot(t *testing.T, dir string, slot int) *os.File {
	t.Helper()
	f, err := os.OpenFile(app.FIFOPath(dir, slot), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// timedWrite writes one block asking for ms and returns how long the write
// was blocked.
func timedWrite(f *os.File, ms int) (time.Duration, error) {
	block := app.AppendFIFOBlock(nil, ms)
	begin := time.Now()
	n, err := f.Write(block)
	if err == nil && n != len(block) {
		err = fmt.Errorf("wrote %d of %d bytes", n, len(block))
	}
	return time.Since(begin), err
}

// TestFIFOWaits writes blocks to 64 slots at once, with delays of 40 to
// 160 ms: each write must be held at least its own delay (the backend
// counts it from the header, which the write sends first), and the waits
// must overlap (64 in a row would take over 6 s). Twice on each slot, so a
// slot serves one block after another.
func TestFIFOWaits(t *testing.T) {
	s, dir, _ := startFIFOs(t)
	const slots = 64
	files := make([]*os.File, slots)
	for i := range files {
		files[i] = openSlot(t, dir, i)
	}
	begin := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, slots)
	for i, f := range files {
		ms := 40 * (1 + i%4)
		wg.Go(func() {
			for range 2 {
				took, err := timedWrite(f, ms)
				switch {
				case err != nil:
					errs <- fmt.Errorf("slot %d: %v", i, err)
				case took < time.Duration(ms)*time.Millisecond:
					errs <- fmt.Errorf("slot %d: a block asking for %d ms was drained after %v", i, ms, took)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	elapsed := time.Since(begin)
	t.Logf("%d slots, two blocks each of 40 to 160 ms: %v", slots, elapsed.Round(time.Millisecond))
	if elapsed > 5*time.Second {
		t.Errorf("%d slots took %v: the waits do not overlap", slots, elapsed)
	}
	// A write returns once its last page is in the pipe, just before the
	// backend has read it and counted the block.
	waitFor(t, func() bool { return s.fifoWaited.Load() == 2*slots })
}

// TestFIFOWriterGone leaves a block cut short in a slot, as a model killed
// in the middle of its write would (one page, then the descriptor closed),
// and checks that the slot still serves the next writer after its own
// delay: the backend waits on the pipe meanwhile and tells the next
// block's header from the dead block's zeros.
func TestFIFOWriterGone(t *testing.T) {
	s, dir, _ := startFIFOs(t)
	fd, err := unix.Open(app.FIFOPath(dir, 3), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	n, err := unix.Write(fd, app.AppendFIFOBlock(nil, 50))
	unix.Close(fd)
	if err != nil || n <= 0 || n >= app.FIFOBlock {
		t.Fatalf("the cut-short write put %d bytes, %v; want part of a block (the pipe's page)", n, err)
	}
	time.Sleep(100 * time.Millisecond) // the backend waits 50 ms, drains the page, then waits on the pipe
	f := openSlot(t, dir, 3)
	took, err := timedWrite(f, 30)
	if err != nil || took < 30*time.Millisecond || took > 10*time.Second {
		t.Fatalf("the next block of 30 ms on the slot took %v, %v", took, err)
	}
	if got := s.fifoMalformed.Load(); got != 0 {
		t.Errorf("%d malformed headers; the dead block's zeros are not one", got)
	}
}

// TestFIFOMalformed checks that a block whose header breaks the protocol is
// drained at once, counted, and that the slot serves a good block after.
func TestFIFOMalformed(t *testing.T) {
	s, dir, _ := startFIFOs(t)
	f := openSlot(t, dir, 0)
	for _, header := range []string{"abc\n", "60001\n", strings.Repeat("9", 100)} {
		block := make([]byte, app.FIFOBlock)
		copy(block, header)
		if _, err := f.Write(block); err != nil {
			t.Fatalf("block with header %.10q: %v", header, err)
		}
	}
	if s.fifoMalformed.Load() == 0 {
		t.Error("no malformed header counted")
	}
	if took, err := timedWrite(f, 20); err != nil || took < 20*time.Millisecond {
		t.Fatalf("a good block after the bad ones took %v, %v", took, err)
	}
}

// TestFIFOStop checks the stop: a writer blocked in its wait is released
// with an error (EPIPE once the backend's side is closed), not left
// blocked, and the FIFOs and their directory are removed.
func TestFIFOStop(t *testing.T) {
	_, dir, stop := startFIFOs(t)
	f := openSlot(t, dir, 1)
	errc := make(chan error, 1)
	go func() {
		_, err := timedWrite(f, 60000)
		if err == nil {
			_, err = timedWrite(f, 0) // a write that returned part of its block: the next one fails
		}
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	stop()
	select {
	case err := <-errc:
		if !errors.Is(err, syscall.EPIPE) {
			t.Errorf("the writer blocked at the stop got %v; want EPIPE", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a writer is still blocked 20 s after the backend stopped")
	}
	if _, err := os.Stat(app.FIFODir(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the FIFO directory is still there after the stop: %v", err)
	}
}

// TestFIFOOneBackendPerDirectory checks that a second backend on the same
// data directory is refused while the first serves it, and that FIFOs a
// killed backend left behind (a file where a FIFO goes) are replaced.
func TestFIFOOneBackendPerDirectory(t *testing.T) {
	_, dir, stop := startFIFOs(t)
	other, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.ServeFIFOs(dir, 1); err == nil || !strings.Contains(err.Error(), "another backend") {
		t.Fatalf("a second backend on %s: %v; want refused", dir, err)
	}
	stop()
	if err := os.MkdirAll(app.FIFODir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(app.FIFOPath(dir, 0), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := other.ServeFIFOs(dir, 1); err != nil {
		t.Fatalf("over a stale directory: %v", err)
	}
	if st, err := os.Stat(app.FIFOPath(dir, 0)); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("slot 0 after ServeFIFOs: %v, %v; want a FIFO", st, err)
	}
}
