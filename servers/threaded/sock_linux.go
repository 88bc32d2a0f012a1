package threaded

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// sock is a blocking socket file descriptor. Every call on it blocks the
// calling OS thread in the kernel, which is the point of this model.
type sock int

// listen opens a blocking TCP listening socket on addr ("host:port").
func listen(addr string) (sock, error) {
	ep, err := resolve(addr)
	if err != nil {
		return -1, err
	}
	sa, family := ep.sockaddr()
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen on %s: %w", addr, os.NewSyscallError("bind", err))
	}
	if err := unix.Listen(fd, 4096); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return sock(fd), nil
}

// endpoint is a resolved TCP address. It holds values, not a
// unix.Sockaddr, because x/sys writes into a Sockaddr while using it: one
// shared by concurrent connects would be a data race.
type endpoint struct {
	ip   net.IP // 4 bytes for IPv4, 16 for IPv6
	port int
}

// resolve resolves a numeric or named "host:port" once, off the data path.
func resolve(addr string) (endpoint, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return endpoint{}, err
	}
	if ip4 := ta.IP.To4(); ip4 != nil || ta.IP == nil {
		return endpoint{ip: append(net.IP(nil), ip4...), port: ta.Port}, nil
	}
	return endpoint{ip: ta.IP.To16(), port: ta.Port}, nil
}

// sockaddr returns a fresh unix.Sockaddr for e and its address family.
func (e endpoint) sockaddr() (unix.Sockaddr, int) {
	if len(e.ip) != net.IPv6len {
		sa := &unix.SockaddrInet4{Port: e.port}
		copy(sa.Addr[:], e.ip)
		return sa, unix.AF_INET
	}
	sa := &unix.SockaddrInet6{Port: e.port}
	copy(sa.Addr[:], e.ip)
	return sa, unix.AF_INET6
}

// accept blocks until a connection arrives. It fails with errClosed once the
// listener has been shut down.
func (s sock) accept() (sock, error) {
	for {
		fd, _, err := unix.Accept4(int(s), unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
			return sock(fd), nil
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			continue
		case errors.Is(err, unix.EINVAL):
			return -1, errClosed
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
			return -1, fmt.Errorf("%w: %w", errNoFDs, os.NewSyscallError("accept4", err))
		}
		return -1, os.NewSyscallError("accept4", err)
	}
}

// read blocks until some bytes arrive; 0 and io.EOF-like errEOF at end of stream.
func (s sock) read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(s), p)
		switch {
		case err == nil && n == 0:
			return 0, errEOF
		case err == nil:
			return n, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, errTimeout // SO_RCVTIMEO expired
		}
		return 0, os.NewSyscallError("read", err)
	}
}

// write blocks until all of p is written. MSG_NOSIGNAL turns a write to a
// reset connection into EPIPE instead of a signal.
func (s sock) write(p []byte) error {
	for len(p) > 0 {
		n, err := unix.SendmsgN(int(s), p, nil, nil, unix.MSG_NOSIGNAL)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return os.NewSyscallError("sendmsg", err)
		}
		p = p[n:]
	}
	return nil
}

// shutdownRead makes a blocked read return end of stream; the socket can
// still send the answer to a request already read.
func (s sock) shutdownRead() { unix.Shutdown(int(s), unix.SHUT_RD) }

// shutdownWrite sends end of stream after what has been written.
func (s sock) shutdownWrite() { unix.Shutdown(int(s), unix.SHUT_WR) }

// shutdown makes every blocked call on the socket return, including a
// blocked accept on a listening socket.
func (s sock) shutdown() { unix.Shutdown(int(s), unix.SHUT_RDWR) }

// refuse writes a short answer without waiting (a fresh socket's buffer
// takes it whole) and closes the socket.
func (s sock) refuse(answer []byte) {
	unix.SendmsgN(int(s), answer, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
	unix.Close(int(s))
}

func (s sock) close() error { return os.NewSyscallError("close", unix.Close(int(s))) }

// setTimeout bounds each blocking read and write on s; past it they fail.
func (s sock) setTimeout(d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(int(s), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return os.NewSyscallError("setsockopt", unix.SetsockoptTimeval(int(s), unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv))
}

// setReadTimeout bounds each blocking read on s; past it read fails with
// errTimeout.
func (s sock) setReadTimeout(d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return os.NewSyscallError("setsockopt", unix.SetsockoptTimeval(int(s), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv))
}

// setWriteTimeout bounds each blocking write on s that makes no progress;
// past it write fails.
func (s sock) setWriteTimeout(d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return os.NewSyscallError("setsockopt", unix.SetsockoptTimeval(int(s), unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv))
}

// spareFD is a descriptor held in reserve for refusing connections when the
// process has no descriptor left (libuv's EMFILE trick): closing it frees one
// slot, enough to accept a pending connection and close it at once, so the
// client is refused instead of waiting in the listen queue.
type spareFD int

func newSpareFD() spareFD {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return spareFD(fd)
}

// refuseOne waits up to wait for a pending connection on ln. If a
// descriptor is free again by then, it accepts the connection normally and
// returns it, to be served. Otherwise it accepts it in the spare
// descriptor's slot, answers it 503 and closes it. (accept(2) fails with
// EMFILE before it looks for a connection, so without the wait the accept
// loop would spin.) It returns -1 and whether it refused one; false when no
// connection came, the spare was gone or the slot was taken meanwhile.
func (f *spareFD) refuseOne(ln sock, answer []byte, wait time.Duration) (sock, bool) {
	fds := [1]unix.PollFd{{Fd: int32(ln), Events: unix.POLLIN}}
	ts := unix.NsecToTimespec(wait.Nanoseconds())
	if n, _ := unix.Ppoll(fds[:], &ts, nil); n <= 0 || fds[0].Revents&unix.POLLIN == 0 {
		return -1, false
	}
	if fd, _, err := unix.Accept4(int(ln), unix.SOCK_CLOEXEC); err == nil {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		return sock(fd), false // descriptors are free again: serve it
	}
	if *f < 0 {
		*f = newSpareFD()
		return -1, false
	}
	unix.Close(int(*f))
	*f = -1
	fd, _, err := unix.Accept4(int(ln), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
	if err == nil {
		sock(fd).refuse(answer)
	}
	*f = newSpareFD()
	return -1, err == nil
}

func (f spareFD) close() {
	if f >= 0 {
		unix.Close(int(f))
	}
}

// dial opens a blocking connection to e, giving up after timeout.
func (e endpoint) dial(timeout time.Duration) (sock, error) {
	sa, family := e.sockaddr()
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	s := sock(fd)
	if err := s.setTimeout(timeout); err != nil {
		s.close()
		return -1, err
	}
	for {
		err = unix.Connect(fd, sa)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		s.close()
		return -1, os.NewSyscallError("connect", err)
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	return s, nil
}

// waker lets a stopping server interrupt threads sleeping for /sleep: an
// eventfd that becomes readable, and stays readable, once stop is called.
type waker int

func newWaker() (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	return waker(fd), os.NewSyscallError("eventfd", err)
}

// sleep blocks the calling thread in ppoll(2) for d, or until stop. It
// returns errStopped when woken by stop.
func (w waker) sleep(d time.Duration) error {
	deadline := time.Now().Add(d)
	fds := [1]unix.PollFd{{Fd: int32(w), Events: unix.POLLIN}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		ts := unix.NsecToTimespec(left.Nanoseconds())
		n, err := unix.Ppoll(fds[:], &ts, nil)
		switch {
		case n > 0:
			return errStopped
		case err != nil && !errors.Is(err, unix.EINTR):
			return os.NewSyscallError("ppoll", err)
		}
	}
}

func (w waker) stop() {
	var one = [8]byte{1}
	unix.Write(int(w), one[:])
}

func (w waker) close() { unix.Close(int(w)) }

// systemThreadLimit is the lowest of the kernel's limits on threads that
// apply to this process (0 when none could be read): kernel.threads-max,
// kernel.pid_max, the cgroup's pids.max and RLIMIT_NPROC.
func systemThreadLimit() int {
	limit := 0
	for _, path := range []string{"/proc/sys/kernel/threads-max", "/proc/sys/kernel/pid_max", "/sys/fs/cgroup/pids.max"} {
		limit = lower(limit, readLimit(path))
	}
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NPROC, &rl) == nil && rl.Cur != unix.RLIM_INFINITY && os.Geteuid() != 0 {
		limit = lower(limit, int(min(rl.Cur, 1<<30)))
	}
	return limit
}

func readLimit(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0 // "max" in a cgroup file: no limit
	}
	return n
}

// lower returns the smaller positive limit, treating 0 as "no limit".
func lower(a, b int) int {
	if a == 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// Check reports whether the model can run here: it needs Linux, which this is.
func Check() error { return nil }
