package eventloop

import (
	"bytes"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"

	"golang.org/x/sys/unix"
)

// highestFD returns the largest open descriptor number of the process.
func highestFD(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	high := 0
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil {
			high = max(high, n)
		}
	}
	return high
}

// exhaustDescriptors lowers the process's descriptor limit to what is open
// and fills the holes below it, so the next accept fails with EMFILE. The
// returned function gives the descriptors back.
func exhaustDescriptors(t *testing.T) (restore func()) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = uint64(highestFD(t) + 1)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var fillers []int
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		fillers = append(fillers, fd)
	}
	done := false
	restore = func() {
		if !done {
			done = true
			unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
			for _, fd := range fillers {
				unix.Close(fd)
			}
		}
	}
	t.Cleanup(restore)
	return restore
}

// serverConns counts the process's connected sockets whose local port is
// port: the server's ends of its connections.
func serverConns(t *testing.T, port int) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		local, err := unix.Getsockname(fd)
		if err != nil {
			continue
		}
		if in, ok := local.(*unix.SockaddrInet4); !ok || in.Port != port {
			continue
		}
		if _, err := unix.Getpeername(fd); err == nil {
			n++
		}
	}
	return n
}

// awaitServerConns waits up to 10 s until the server holds exactly want
// connections.
func awaitServerConns(t *testing.T, port, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := serverConns(t, port)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %d connections after 10 s, want %d", n, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// clientSockets makes n unconnected client sockets: connecting them later
// takes no descriptor, so only the server runs out.
func clientSockets(t *testing.T, n int) []int {
	t.Helper()
	fds := make([]int, n)
	for i := range fds {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		fds[i] = fd
	}
	return fds
}

// TestAcceptRefusesWhenOutOfDescriptors exhausts the process's descriptors:
// connections that arrive meanwhile are refused at once with 503 through the
// spare descriptor, without the listener spinning, existing connections are
// still served, and once descriptors are back new connections are accepted.
func TestAcceptRefusesWhenOutOfDescriptors(t *testing.T) {
	var logs testkit.SyncBuffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	ts := startServer(t, model.Config{}, nil)
	ln := ts.s.loops[0].ln
	served := testkit.Dial(t, ts.Addr)
	served.Get(t, "/plaintext")
	// The server closes testkit.Start's readiness probe when it reads its
	// end; were that left for later, it would free a descriptor after the
	// exhaustion below and the first waiting connection would take it.
	awaitServerConns(t, ts.s.port, 1)
	waiting := clientSockets(t, 4)
	restore := exhaustDescriptors(t)
	for _, fd := range waiting { // the kernel completes these; the server has no descriptor for them
		if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: ts.s.port}); err != nil {
			t.Fatal(err)
		}
	}
	// Wait, needing no descriptor, until the server has answered each
	// waiting connection: a fixed pause was too short on a loaded host.
	for i, fd := range waiting {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 10000)
		for err == unix.EINTR { // a signal to the runtime; a retry restarts the 10 s
			n, err = unix.Poll(pfd, 10000)
		}
		if n != 1 || err != nil {
			t.Errorf("connection %d: no answer within 10 s while out of descriptors (%v)", i, err)
		}
	}
	if a := served.Get(t, "/plaintext"); a.Status != 200 || !bytes.Equal(a.Body, app.PlaintextBody()) {
		t.Errorf("an existing connection while out of descriptors: %v", a)
	}
	restore()
	for i, fd := range waiting { // each was refused with 503
		f := os.NewFile(uintptr(fd), "client")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if a, err := testkit.Wrap(c.(*net.TCPConn)).Read("GET"); err != nil || a.Status != 503 {
			t.Errorf("connection %d, arrived while out of descriptors: %v %v, want 503", i, a, err)
		}
		c.Close()
	}
	if a := testkit.Dial(t, ts.Addr).Get(t, "/json"); a.Status != 200 {
		t.Errorf("a connection after the descriptors came back: %v", a)
	}
	ts.Stop(t)
	if ln.refused != len(waiting) || ln.pauses > 30 {
		t.Errorf("refused %d connections (want %d), paused %d times: want no spinning", ln.refused, len(waiting), ln.pauses)
	}
	if n := strings.Count(logs.String(), "refusing new connections"); n != 1 {
		t.Errorf("logged the refusal %d times, want once:\n%s", n, logs.String())
	}
}
