package eventloop

import (
	"bufio"
	"bytes"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"loopbench/servers/model"

	"golang.org/x/sys/unix"
)

// syncBuffer is a log destination safe for the loop thread and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

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

func TestAcceptBacksOffWhenOutOfDescriptors(t *testing.T) {
	var logs syncBuffer
	log.SetOutput(&logs)
	defer log.SetOutput(os.Stderr)
	ts := startServer(t, model.Config{}, nil)
	ln := ts.s.loops[0].ln
	served := ts.dial(t)
	r := bufio.NewReader(served)
	get(t, served, r, "/plaintext")
	waiting := clientSockets(t, 4)
	restore := exhaustDescriptors(t)
	for _, fd := range waiting { // the kernel completes these; the server cannot accept them
		if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: ts.s.port}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // the listener is paused now, with backoff
	if status, body := get(t, served, r, "/plaintext"); status != 200 || body != "Hello, World!" {
		t.Errorf("an existing connection while out of descriptors: %d %q", status, body)
	}
	restore()
	for i, fd := range waiting { // once descriptors are back, the waiting connections are accepted
		f := os.NewFile(uintptr(fd), "client")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if status, _ := get(t, c, bufio.NewReader(c), "/json"); status != 200 {
			t.Errorf("waiting connection %d: status %d", i, status)
		}
		c.Close()
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if ln.pauses == 0 || ln.pauses > 30 {
		t.Errorf("accept paused %d times in about 300 ms: want at least one and no spinning", ln.pauses)
	}
	if n := strings.Count(logs.String(), "pausing accepts"); n != 1 {
		t.Errorf("logged the pause %d times, want once:\n%s", n, logs.String())
	}
}
