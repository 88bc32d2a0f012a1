package eventloop

import (
	"bytes"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// testRing sets up an enabled ring on the test's thread, which it locks
// until the test ends (the ring has a single issuer), or skips the test
// where io_uring is unavailable.
func testRing(t *testing.T) *ring {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	r, err := newRing(64, 256, ringFlags)
	if err != nil {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	t.Cleanup(r.close)
	if err := r.enable(); err != nil {
		t.Fatal(err)
	}
	return r
}

// reap waits for completions until want have arrived (or 2 s pass) and
// returns them.
func reap(t *testing.T, r *ring, want int) []cqe {
	t.Helper()
	var got []cqe
	for range 20 {
		if err := r.wait(100); err != nil {
			t.Fatal(err)
		}
		head, tail := r.completions()
		for i := head; i != tail; i++ {
			got = append(got, *r.cqeAt(i))
		}
		r.consumed(tail)
		if len(got) >= want {
			break
		}
	}
	if len(got) < want {
		t.Fatalf("%d completions after 2 s, want %d: %+v", len(got), want, got)
	}
	return got
}

func socketPair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func TestRingSubmitsAndCompletes(t *testing.T) {
	r := testRing(t)
	for i := range 3 {
		s := r.next()
		s.opcode, s.userData = opcodeNop, uint64(100+i)
	}
	got := reap(t, r, 3)
	for i, c := range got {
		if c.userData != uint64(100+i) || c.res != 0 {
			t.Errorf("completion %d: %+v, want user data %d and res 0", i, c, 100+i)
		}
	}
	if name, err := r.missingOpcode(opcodeNames); err != nil || name != "" {
		t.Errorf("this kernel lacks %q (%v)", name, err)
	}
}

// TestRingFillsWhenFull: more SQEs than the queue holds are submitted in
// batches as the queue fills, none lost.
func TestRingFillsWhenFull(t *testing.T) {
	r := testRing(t)
	const n = 200 // the queue holds 64
	for i := range n {
		s := r.next()
		s.opcode, s.userData = opcodeNop, uint64(i)
	}
	if r.full != nil {
		t.Fatal(r.full)
	}
	if got := reap(t, r, n); len(got) != n {
		t.Errorf("%d completions, want %d", len(got), n)
	}
}

// TestMultishotRecvRecyclesBuffers drives a multishot receive through two
// provided buffers: data arrives in them, the buffers come back, the
// kernel ends the receive with ENOBUFS when none is left, and a new
// receive armed after the buffers are given back takes the rest.
func TestMultishotRecvRecyclesBuffers(t *testing.T) {
	r := testRing(t)
	br, err := newBufRing(r, 1, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { br.unregister(r); br.unmap() }()
	a, b := socketPair(t)
	armRecv := func() {
		s := r.next()
		s.opcode, s.fd, s.ioprio, s.flags, s.bufGroup, s.userData = opcodeRecv, int32(a), recvMultishot, sqeBufferSelect, 1, 7
	}
	armRecv()
	var got []byte
	take := func(c cqe) {
		if c.flags&cqeFBuffer == 0 || c.res <= 0 {
			t.Fatalf("completion without data: %+v", c)
		}
		bid := uint16(c.flags >> cqeBufferShift)
		got = append(got, br.data(bid, int(c.res))...)
		br.provide(bid)
	}
	unix.Write(b, []byte("abcdefgh"))
	c := reap(t, r, 1)[0]
	take(c)
	br.publish()
	if c.flags&cqeFMore == 0 {
		t.Fatalf("the multishot receive ended after one completion: %+v", c)
	}
	// Three buffers' worth while two are provided: the third finds none.
	unix.Write(b, []byte("ijklmnopqrstuvwx"))
	unix.Write(b, []byte("yz012345"))
	var ended bool
	for !ended {
		for _, c := range reap(t, r, 1) {
			if c.res == -int32(unix.ENOBUFS) {
				if c.flags&cqeFMore != 0 {
					t.Fatal("ENOBUFS did not end the multishot receive")
				}
				ended = true
				continue
			}
			take(c)
		}
	}
	br.publish()
	armRecv() // re-armed after the kernel ended it
	for len(got) < 32 {
		for _, c := range reap(t, r, 1) {
			take(c)
		}
		br.publish()
	}
	if want := "abcdefghijklmnopqrstuvwxyz012345"; string(got) != want {
		t.Errorf("received %q, want %q", got, want)
	}
}

// TestSendCompletesShort: a send larger than the socket can take at once
// completes with a short count, which is what the loop resubmits from.
func TestSendCompletesShort(t *testing.T) {
	r := testRing(t)
	a, b := socketPair(t)
	unix.SetsockoptInt(a, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	big := bytes.Repeat([]byte("x"), 1<<20)
	s := r.next()
	s.opcode, s.fd, s.addr, s.len, s.opFlags, s.userData = opcodeSend, int32(a), uint64(uintptr(unsafe.Pointer(&big[0]))), uint32(len(big)), unix.MSG_NOSIGNAL, 9
	go func() { // a slow reader
		buf := make([]byte, 4096)
		for {
			if n, err := unix.Read(b, buf); n <= 0 || err != nil {
				return
			}
		}
	}()
	c := reap(t, r, 1)[0]
	if c.res <= 0 || int(c.res) >= len(big) {
		t.Errorf("send of %d bytes completed with %d, want a short count", len(big), c.res)
	}
	runtime.KeepAlive(big)
}
