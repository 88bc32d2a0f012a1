package loadgen

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawReader reads a connection through its raw file descriptor so that it
// can skip the read that would only fail with EAGAIN. net.Conn.Read always
// tries read(2) before it waits for readiness; right after a request is
// sent the answer is rarely there yet, so that costs a wasted system call
// per request. When the previous read left the socket empty, rawReader waits
// for readiness first: Go's poller is edge-triggered and records every
// arrival of data, so nothing that arrived after that read can be missed.
type rawReader struct {
	rc      syscall.RawConn
	fn      func(fd uintptr) bool
	buf     []byte
	n       int
	err     error
	skip    bool // wait for readiness before the next read(2)
	drained bool // the last read(2) emptied the socket
}

func (r *rawReader) init(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	r.rc = rc
	r.fn = r.attempt
}

// attempt is the function RawConn.Read calls until it returns true.
func (r *rawReader) attempt(fd uintptr) bool {
	if r.skip {
		r.skip = false
		return false
	}
	n, err := unix.Read(int(fd), r.buf)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return false
	case err != nil:
		r.n, r.err = 0, os.NewSyscallError("read", err)
	case n == 0:
		r.n, r.err = 0, io.EOF
	default:
		r.n, r.err = n, nil
	}
	r.drained = n < len(r.buf)
	return true
}

// read reads into b once some bytes are there.
func (c *conn) read(b []byte) (int, error) {
	r := &c.raw
	if r.rc == nil {
		return c.nc.Read(b)
	}
	r.buf, r.skip = b, r.drained
	if err := r.rc.Read(r.fn); err != nil {
		return 0, err
	}
	r.buf = nil
	return r.n, r.err
}
