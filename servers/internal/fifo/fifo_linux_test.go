package fifo

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
	"loopbench/backend"
)

// writer is either way of writing, as the tests drive them.
type writer interface {
	Wait(ms int) error
	Close()
}

// flavors are the two writers, made for a data directory.
var flavors = []struct {
	name string
	new  func(dir string) writer
}{
	{"blocking", func(dir string) writer { return NewBlocking(dir) }},
	{"polled", func(dir string) writer { return NewPolled(dir) }},
}

// serveFIFOs runs a backend with FIFOs in dir until the returned stop.
func serveFIFOs(t *testing.T, dir string) (stop func()) {
	t.Helper()
	s, err := backend.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ServeFIFOs(dir, 16); err != nil {
		s.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("backend: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestWait checks a wait of each writer against the real backend: held at
// least its delay, then answered; and again after the backend was replaced
// (the first wait on the old descriptor fails, the next reopens).
func TestWait(t *testing.T) {
	for _, fl := range flavors {
		t.Run(fl.name, func(t *testing.T) {
			dir := t.TempDir()
			stop := serveFIFOs(t, dir)
			w := fl.new(dir)
			defer w.Close()
			for _, ms := range []int{0, 30} {
				begin := time.Now()
				if err := w.Wait(ms); err != nil || time.Since(begin) < time.Duration(ms)*time.Millisecond {
					t.Fatalf("Wait(%d) = %v after %v", ms, err, time.Since(begin))
				}
			}
			stop()
			if err := w.Wait(1); err == nil {
				t.Fatal("Wait with the backend stopped succeeded")
			}
			serveFIFOs(t, dir)
			if err := w.Wait(1); err != nil {
				t.Fatalf("Wait after the backend came back: %v", err)
			}
		})
	}
}

// TestNoBackend checks that a wait fails at once, never hangs, without a
// backend: no FIFO (ENOENT), or a FIFO no backend holds (ENXIO).
func TestNoBackend(t *testing.T) {
	for _, fl := range flavors {
		t.Run(fl.name, func(t *testing.T) {
			dir := t.TempDir()
			w := fl.new(dir)
			defer w.Close()
			if err := w.Wait(1); !errors.Is(err, syscall.ENOENT) {
				t.Errorf("Wait without a FIFO = %v; want ENOENT", err)
			}
			if err := unix.Mkdir(app.FIFODir(dir), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := unix.Mkfifo(app.FIFOPath(dir, 0), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := w.Wait(1); !errors.Is(err, syscall.ENXIO) {
				t.Errorf("Wait on a FIFO without a reader = %v; want ENXIO", err)
			}
		})
	}
}

// TestBusy checks that a wait finding every slot taken fails with
// app.ErrFIFOBusy, and that a slot given back is handed out again.
func TestBusy(t *testing.T) {
	dir := t.TempDir()
	serveFIFOs(t, dir)
	w := NewBlocking(dir)
	defer w.Close()
	for range app.FIFOSlots {
		if _, ok := w.slots.take(); !ok {
			t.Fatal("fewer slots than app.FIFOSlots")
		}
	}
	if err := w.Wait(1); !errors.Is(err, app.ErrFIFOBusy) {
		t.Fatalf("Wait with every slot taken = %v; want ErrFIFOBusy", err)
	}
	w.slots.put(7)
	if err := w.Wait(1); err != nil {
		t.Fatalf("Wait with slot 7 given back = %v", err)
	}
	if slot, ok := w.slots.take(); !ok || slot != 7 {
		t.Fatalf("after the wait, take = %d, %v; want slot 7 back", slot, ok)
	}
}
