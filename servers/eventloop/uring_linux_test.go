package eventloop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// useRing makes the servers the test starts run on io_uring, or skips the
// test where this kernel refuses it.
func useRing(t *testing.T) {
	t.Helper()
	if err := probeRing(); err != nil {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	t.Setenv(ioUringEnv, "1")
}

// ringOf returns the ring backend of the server's first loop.
func ringOf(t *testing.T, ts *testServer) *ringIO {
	t.Helper()
	x, ok := ts.s.loops[0].io.(*ringIO)
	if !ok {
		t.Fatalf("the loop runs on %s, not io_uring", ts.s.loops[0].io.name())
	}
	return x
}

// TestRingBackend runs the package's server tests again with the loops on
// io_uring: the same bounds, stops, lingering closes, descriptor
// exhaustion and lag, on the other backend.
func TestRingBackend(t *testing.T) {
	useRing(t)
	tests := []struct {
		name string
		test func(*testing.T)
	}{
		{"partial writes", TestPartialWritesWithTinySendBuffer},
		{"peer closes mid-write", TestPeerClosesMidWrite},
		{"write queue bound", TestWriteQueueBoundWhenClientNeverReads},
		{"unread body", TestAnswerSurvivesAnUnreadBody},
		{"out of descriptors", TestAcceptRefusesWhenOutOfDescriptors},
		{"stop", TestStopLetsDeferredAnswersFinish},
		{"loop lag", TestLoopLagShowsABlockedLoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.test)
	}
}

// TestRingShortSends: with a tiny send buffer, sends complete short and the
// rest goes again, in order, until the slow reader has every answer.
func TestRingShortSends(t *testing.T) {
	useRing(t)
	ts := startServer(t, model.Config{}, func(s *server) { s.sndbuf = 4096 })
	c := testkit.Dial(t, ts.Addr)
	c.Send(t, strings.Repeat(testkit.Get("/file?name=large.bin")+testkit.Get("/plaintext"), 2))
	r := bufio.NewReaderSize(c.Conn, 512)
	for i := range 2 {
		if a := mustRead(t, r); a.Status != 200 || !bytes.Equal(a.Body, app.DataContent(1<<20)) {
			t.Fatalf("large answer %d: status %d, %d bytes", i, a.Status, len(a.Body))
		}
		if a := mustRead(t, r); a.Status != 200 || !bytes.Equal(a.Body, app.PlaintextBody()) {
			t.Fatalf("plaintext answer %d: %v", i, a)
		}
	}
	ts.Stop(t)
	if n := ts.s.loops[0].shortSends; n == 0 {
		t.Error("no send completed short: the test did not exercise the resubmission")
	}
}

// TestRingRearmsAfterENOBUFS: with four receive buffers, connections that
// all send at once leave receives without a buffer; the kernel ends them
// with ENOBUFS and the loop arms them again, and every request is answered.
func TestRingRearmsAfterENOBUFS(t *testing.T) {
	useRing(t)
	old := recvBuffers
	recvBuffers = 4
	defer func() { recvBuffers = old }()
	ts := startServer(t, model.Config{}, nil)
	const conns, depth = 16, 64 // each batch spans several 2 KiB buffers
	batch := strings.Repeat(testkit.Get("/plaintext"), depth)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		c := testkit.Dial(t, ts.Addr)
		wg.Go(func() {
			for range 5 {
				if _, err := c.Conn.Write([]byte(batch)); err != nil {
					errs <- err
					return
				}
				for range depth {
					if a, err := c.Read("GET"); err != nil || a.Status != 200 {
						errs <- errors.Join(err, errors.New("wrong answer"))
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	x := ringOf(t, ts)
	ts.Stop(t)
	if x.noBuffers == 0 {
		t.Error("no receive ran out of buffers: the test did not exercise ENOBUFS")
	}
	t.Logf("%d receives ended by ENOBUFS and armed again", x.noBuffers)
}

// TestRingStopsReadingAtTheBound: a client that never reads has its
// receive cancelled once the unsent bound is reached, so its requests wait
// in the kernel; once it reads, the receive is armed again and every
// request is answered.
func TestRingStopsReadingAtTheBound(t *testing.T) {
	useRing(t)
	ts := startServer(t, model.Config{MaxUnsent: 4096}, nil)
	c := testkit.Dial(t, ts.Addr)
	const n = 2000 // about 250 KiB of answers
	c.Send(t, strings.Repeat(testkit.Get("/json"), n))
	time.Sleep(100 * time.Millisecond)
	r := bufio.NewReaderSize(c.Conn, 64<<10)
	for i := range n {
		if a := mustRead(t, r); a.Status != 200 {
			t.Fatalf("answer %d: %v", i, a)
		}
	}
	x := ringOf(t, ts)
	ts.Stop(t)
	if x.recvStops == 0 {
		t.Error("the receive was never cancelled at the bound")
	}
}

// TestRingHoldsLittleOfANonReader: a client that pipelines without ever
// reading gets, beyond its answers, at most readBufSize bytes of requests
// and one batch of receives held in the server, as on epoll, however much
// it sends; the rest waits in the kernel's buffers.
func TestRingHoldsLittleOfANonReader(t *testing.T) {
	useRing(t)
	ts := startServer(t, model.Config{}, nil)
	c := testkit.Dial(t, ts.Addr)
	batch := bytes.Repeat([]byte(testkit.Get("/plaintext")), 1000)
	for sent := 0; sent < 64<<20; {
		c.Conn.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Conn.Write(batch)
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	c.Reset()
	ts.Stop(t)
	// A batch of receives is what one enter delivers before the
	// cancellation takes effect: a few dozen 2 KiB buffers.
	if got, bound := ts.s.loops[0].maxIn, readBufSize+256*recvBufSize; got > bound {
		t.Errorf("the server held %d bytes of requests it could not serve, bound %d", got, bound)
	}
}

// TestRingStarvedListenerDoesNotSpin: out of descriptors, an io_uring
// accept fails at once whether a connection is pending or not; the
// listener then polls for one instead of accepting again and again.
func TestRingStarvedListenerDoesNotSpin(t *testing.T) {
	useRing(t)
	var logs testkit.SyncBuffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	ts := startServer(t, model.Config{}, nil)
	served := testkit.Dial(t, ts.Addr)
	served.Get(t, "/plaintext")
	awaitServerConns(t, ts.s.port, 1)
	x := ringOf(t, ts)
	waiting := clientSockets(t, 1)
	restore := exhaustDescriptors(t)
	if err := unix.Connect(waiting[0], &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: ts.s.port}); err != nil {
		t.Fatal(err)
	}
	pfd := []unix.PollFd{{Fd: int32(waiting[0]), Events: unix.POLLIN}}
	for n, err := unix.Poll(pfd, 10000); n != 1; n, err = unix.Poll(pfd, 10000) {
		if err != unix.EINTR {
			t.Fatalf("no answer while out of descriptors (%v)", err)
		}
	}
	before := x.accepts.Load()
	time.Sleep(200 * time.Millisecond) // out of descriptors, nothing pending
	if a := served.Get(t, "/plaintext"); a.Status != 200 {
		t.Errorf("an existing connection while out of descriptors: %v", a)
	}
	spun := x.accepts.Load() - before
	restore()
	if a := testkit.Dial(t, ts.Addr).Get(t, "/json"); a.Status != 200 {
		t.Errorf("a connection after the descriptors came back: %v", a)
	}
	ts.Stop(t)
	if spun > 5 {
		t.Errorf("the listener was armed %d times in 200 ms while out of descriptors: it spins", spun)
	}
}

// TestRingFiles checks /file on the ring: a file larger than the first
// read (it grows the buffer and reads on), a missing one, and symbolic
// links inside and out of the data directory, answered as os.Root answers
// them on the pool.
func TestRingFiles(t *testing.T) {
	useRing(t)
	dir, outside := testkit.DataDir(t), testkit.DataDir(t)
	for name, target := range map[string]string{"inside.bin": "small.bin", "outside.bin": filepath.Join(outside, "small.bin")} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, model.Config{DataDir: dir}, nil)
	c := testkit.Dial(t, ts.Addr)
	for _, f := range app.DataFiles {
		for range 2 { // the second read reuses the grown buffer
			if a := c.Get(t, "/file?name="+f.Name); a.Status != 200 || !bytes.Equal(a.Body, app.DataContent(f.Size)) {
				t.Errorf("%s: status %d, %d bytes, want %d", f.Name, a.Status, len(a.Body), f.Size)
			}
		}
	}
	for _, name := range []string{"missing.bin", "inside.bin", "outside.bin"} {
		want := testkit.Want(t, testkit.Get("/file?name="+name), dir)
		if a := c.Get(t, "/file?name="+name); a.Status != want.Status {
			t.Errorf("%s: status %d, the shared application answers %d", name, a.Status, want.Status)
		}
	}
	x := ringOf(t, ts)
	ts.Stop(t)
	if len(x.files.free) != fileSlots {
		t.Errorf("%d of %d file slots free after the stop", len(x.files.free), fileSlots)
	}
}

// TestRingRunsPoolWork: with --cpu-offload, /cpu runs on the pool and its
// completion comes back through the eventfd, read on the ring.
func TestRingRunsPoolWork(t *testing.T) {
	useRing(t)
	ts := startServer(t, model.Config{CPUOffload: true}, nil)
	c := testkit.Dial(t, ts.Addr)
	for range 3 {
		want := testkit.Want(t, testkit.Get("/cpu?iter=1000"), "")
		if a := c.Get(t, "/cpu?iter=1000"); a.Status != 200 || !bytes.Equal(a.Body, want.Body) {
			t.Fatalf("GET /cpu?iter=1000 = %v, want %v", a, want)
		}
	}
}

// TestRingFallsBackToEpoll: where io_uring cannot be set up, the server
// says why once, serves with epoll, and its stats file says so.
func TestRingFallsBackToEpoll(t *testing.T) {
	t.Setenv(ioUringEnv, "")
	var logs testkit.SyncBuffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	old := probeRing
	probeRing = func() error { return os.NewSyscallError("io_uring_setup", unix.EPERM) }
	defer func() { probeRing = old }()
	dir := t.TempDir()
	stats := filepath.Join(dir, "stats.json")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := New().Serve(ctx, model.Config{Addr: "127.0.0.1:0", DataDir: dir, StatsFile: stats, IOUring: true})
	if !errors.Is(err, model.ErrServerClosed) {
		t.Fatalf("Serve = %v, want model.ErrServerClosed", err)
	}
	st, ok, err := model.ReadStats(stats)
	if err != nil || !ok || st.Backend != backendEpoll {
		t.Errorf("stats %+v (ok %v, %v): want backend %q", st, ok, err, backendEpoll)
	}
	if got := logs.String(); strings.Count(got, "io_uring is unavailable, serving with epoll") != 1 || !strings.Contains(got, "operation not permitted") {
		t.Errorf("the fallback was logged as %q; want one line naming the error and the fix", got)
	}
}

// TestRingFixNamesTheCause: each way io_uring_setup fails is explained
// with what to change.
func TestRingFixNamesTheCause(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{os.NewSyscallError("io_uring_setup", unix.ENOSYS), "seccomp"},        // no io_uring, or hidden
		{os.NewSyscallError("io_uring_setup", unix.EPERM), "io_uring"},        // disabled, or seccomp
		{os.NewSyscallError("io_uring_setup", unix.EINVAL), "Linux 6.1"},      // too old for the flags
		{os.NewSyscallError("io_uring_setup", unix.ENOMEM), "ulimit -l"},      // locked memory
		{errors.New("the kernel lacks IORING_OP_OPENAT2"), "Linux 6.1"},       // an opcode missing
		{os.NewSyscallError("io_uring_setup", unix.EFAULT), "io_uring_setup"}, // anything else
	}
	for _, tt := range tests {
		if got := ringFix(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("ringFix(%v) = %q, want it to mention %q", tt.err, got, tt.want)
		}
	}
}

// TestRingStatsFileNamesTheBackend: a server on io_uring says so.
func TestRingStatsFileNamesTheBackend(t *testing.T) {
	useRing(t)
	dir := t.TempDir()
	stats := filepath.Join(dir, "stats.json")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := New().Serve(ctx, model.Config{Addr: "127.0.0.1:0", DataDir: dir, StatsFile: stats, Loops: 2}); !errors.Is(err, model.ErrServerClosed) {
		t.Fatalf("Serve = %v", err)
	}
	if st, ok, err := model.ReadStats(stats); err != nil || !ok || st.Backend != backendIOUring || st.Loops != 2 {
		t.Errorf("stats %+v (ok %v, %v): want 2 loops on %q", st, ok, err, backendIOUring)
	}
}
