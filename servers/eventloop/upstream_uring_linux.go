package eventloop

import (
	"encoding/binary"
	"os"

	"golang.org/x/sys/unix"
)

// dial opens a socket and queues its connect; the connect's completion
// arms the receive and sends the waiting request (upstreamDone).
func (x *ringIO) dial(l *loop, b *backend) error {
	fd, err := unix.Socket(domainOf(l.backend.addr), unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	b.fd = fd
	l.track(fd, b)
	n := putSockaddr(b.sa[:], l.backend.addr)
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.off = opcodeConnect, int32(fd), addrOf(b.sa[:]), uint64(n)
	s.userData = ud(udConnect, fd)
	x.started(&b.inflight)
	return nil
}

// putSockaddr writes sa as the kernel's struct sockaddr_in or sockaddr_in6
// into buf and returns its length.
func putSockaddr(buf []byte, sa unix.Sockaddr) int {
	clear(buf)
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		binary.NativeEndian.PutUint16(buf, unix.AF_INET)
		binary.BigEndian.PutUint16(buf[2:], uint16(sa.Port))
		copy(buf[4:8], sa.Addr[:])
		return unix.SizeofSockaddrInet4
	case *unix.SockaddrInet6:
		binary.NativeEndian.PutUint16(buf, unix.AF_INET6)
		binary.BigEndian.PutUint16(buf[2:], uint16(sa.Port))
		copy(buf[8:24], sa.Addr[:])
		binary.NativeEndian.PutUint32(buf[24:], sa.ZoneId)
		return unix.SizeofSockaddrInet6
	}
	return 0
}

// sendUpstream queues the request line; it is a few bytes on a connection
// with nothing else outstanding, so a short send means it is broken.
func (x *ringIO) sendUpstream(_ *loop, b *backend) {
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len, s.opFlags = opcodeSend, int32(b.fd), addrOf(b.line), uint32(len(b.line)), unix.MSG_NOSIGNAL
	s.userData = ud(udUpSend, b.fd)
	x.started(&b.inflight)
}

// armUpstreamRecv receives into the rest of the reply buffer. One receive
// is armed whenever the connection is open: it takes the reply of a call,
// or ends an idle connection the backend closed.
func (x *ringIO) armUpstreamRecv(b *backend) {
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len = opcodeRecv, int32(b.fd), addrOf(b.buf[b.n:]), uint32(len(b.buf)-b.n)
	s.userData = ud(udUpRecv, b.fd)
	b.recvArmed = true
	x.started(&b.inflight)
}

// upstreamDone takes a completion of a backend connection's connect, send
// or receive.
func (x *ringIO) upstreamDone(l *loop, b *backend, op uint8, res int32) {
	if op == udUpRecv {
		b.recvArmed = false
	}
	switch {
	case b.closed:
	case op == udConnect && res < 0:
		b.connected(l, unix.Errno(-res))
	case op == udConnect:
		x.armUpstreamRecv(b)
		b.connected(l, nil)
	case op == udUpSend && int(res) != len(b.line):
		b.fail(l, errBackendClosed)
	case op == udUpRecv && res < 0:
		b.fail(l, errnoOf("recv", res))
	case op == udUpRecv:
		b.got(l, int(res))
		if !b.closed && !b.recvArmed {
			x.armUpstreamRecv(b)
		}
	}
	x.ended(l, &b.inflight, b)
}
