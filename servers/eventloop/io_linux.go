package eventloop

import (
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"loopbench/servers/model"
)

// ioBackend is how a loop waits for I/O and asks the kernel for it, the
// part of libuv that differs by platform (uv__io_poll on epoll, kqueue or
// io_uring): the loop's phases, its handles' logic and the application are
// the same on every backend.
//
// On epoll (readiness) the kernel says which descriptors are ready and the
// loop makes the read, write and accept calls itself, one system call each.
// On io_uring (completion) the loop queues requests (a receive that stays
// armed, a send, an accept, a file read) and the kernel performs them: one
// io_uring_enter per iteration submits every queued request and collects
// every completion.
type ioBackend interface {
	// name is the backend's name in the stats file: "epoll" or "io_uring".
	name() string
	// start runs on the loop's goroutine before its first iteration.
	start(l *loop) error
	// poll is phase 4: it waits up to timeout ms (-1: no limit, 0: not at
	// all) and runs the callbacks of the I/O that is ready or done.
	poll(l *loop, timeout int) error
	// finish runs on the loop's goroutine after its last iteration, once
	// every handle is closed: it waits until the kernel holds no request
	// that names the loop's memory or descriptors.
	finish(l *loop)
	// close releases the backend's descriptors and memory, after the pool
	// has stopped (no worker can wake the loop any more).
	close(l *loop)

	// listen starts accepting on ln; setAccepting pauses or resumes it.
	listen(l *loop, ln *listener) error
	setAccepting(l *loop, ln *listener, on bool)
	// startConn starts receiving on a new connection; watch makes the
	// backend wait for what the connection waits for now (more requests,
	// or none while its answers are held back; the socket writable).
	startConn(l *loop, c *conn) error
	watch(l *loop, c *conn)
	// send writes b to c, or queues what the kernel does not take at once.
	send(l *loop, c *conn, b []byte)
	// dial starts connecting b to the backend service; sendUpstream sends
	// its call's request line.
	dial(l *loop, b *backend) error
	sendUpstream(l *loop, b *backend)
	// unwatch stops the backend's I/O on the descriptor of a handle being
	// closed; its release in the close phase waits until the kernel has
	// given back every request naming it (see inflight).
	unwatch(l *loop, fd int, f *inflight)
	// readFile starts /file's read of a on the ring and reports true, or
	// reports false and the loop hands the read to the thread pool.
	readFile(l *loop, a *answer) bool
}

// inflight counts the requests the kernel holds that name a handle's
// descriptor (always none on epoll). The descriptor is closed, so that its
// number may be reused, only once none is left: until then a completion
// could arrive for a handle that no longer exists.
type inflight struct {
	ops   int
	later bool // the release waits for the last completion
}

// hold reports whether the release must wait, remembering that it does.
func (f *inflight) hold() bool {
	if f.ops > 0 {
		f.later = true
	}
	return f.ops > 0
}

// done counts one request given back and reports whether it was the last
// one a waiting release was waiting for.
func (f *inflight) done() bool {
	f.ops--
	if f.ops == 0 && f.later {
		f.later = false
		return true
	}
	return false
}

// Backend names, as the stats file records them.
const (
	backendEpoll   = "epoll"
	backendIOUring = "io_uring"
)

// ioUringEnv asks for the io_uring backend without --io-uring, as libuv's
// UV_USE_IO_URING does, so a harness that starts `loopbench serve` itself
// (torture) can run the io_uring loop: LOOPBENCH_USE_IO_URING=1.
const ioUringEnv = "LOOPBENCH_USE_IO_URING"

// wantsIOUring reports whether cfg or the environment asks for io_uring.
func wantsIOUring(cfg model.Config) bool {
	return cfg.IOUring || os.Getenv(ioUringEnv) == "1"
}

// probeRing checks once, at startup, that this kernel lets the process use
// io_uring with everything the backend needs; it is a variable so tests can
// make it fail.
var probeRing = func() error {
	r, err := newRing(8, 16, ringFlags)
	if err != nil {
		return err
	}
	defer r.close()
	if r.features&(featNoDrop|featExtArg) != featNoDrop|featExtArg {
		return errors.New("the kernel lacks IORING_FEAT_NODROP or IORING_FEAT_EXT_ARG (Linux 5.11 or later)")
	}
	name, err := r.missingOpcode(opcodeNames)
	if err == nil && name != "" {
		err = fmt.Errorf("the kernel lacks %s", name)
	}
	return err
}

// chooseBackend returns the backend the server's loops use: io_uring if
// asked for and available, else epoll, saying once on stderr why io_uring
// was not used and how to make it usable.
func chooseBackend(cfg model.Config) string {
	if !wantsIOUring(cfg) {
		return backendEpoll
	}
	if err := probeRing(); err != nil {
		log.Printf("eventloop: io_uring is unavailable, serving with epoll: %v: %s", err, ringFix(err))
		return backendEpoll
	}
	return backendIOUring
}

// ringFix says what to change for io_uring to be usable after err.
func ringFix(err error) string {
	switch {
	case errors.Is(err, unix.ENOSYS):
		return "this kernel has no io_uring (Linux before 5.1, or CONFIG_IO_URING off), or a seccomp filter hides it; use a kernel with io_uring, or allow io_uring_setup, io_uring_enter and io_uring_register in the filter"
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return disabledFix()
	case errors.Is(err, unix.EINVAL):
		return "the kernel lacks IORING_SETUP_SINGLE_ISSUER or IORING_SETUP_DEFER_TASKRUN; use Linux 6.1 or later"
	case errors.Is(err, unix.ENOMEM):
		return "the locked-memory limit is too small for the ring; raise it (ulimit -l)"
	case strings.Contains(err.Error(), "kernel lacks"):
		return "use Linux 6.1 or later"
	}
	return "see io_uring_setup(2)"
}

// disabledFix explains an EPERM from io_uring_setup by kernel.io_uring_disabled.
func disabledFix() string {
	b, _ := os.ReadFile("/proc/sys/kernel/io_uring_disabled")
	switch strings.TrimSpace(string(b)) {
	case "2":
		return "kernel.io_uring_disabled is 2, which disables io_uring for every process; set it to 0 (sysctl -w kernel.io_uring_disabled=0)"
	case "1":
		return "kernel.io_uring_disabled is 1, which allows io_uring only to CAP_SYS_ADMIN and the group kernel.io_uring_group; set it to 0, or run the server in that group"
	}
	return "a seccomp filter (a container runtime's default profile, say) refuses io_uring_setup; allow io_uring_setup, io_uring_enter and io_uring_register in it"
}
