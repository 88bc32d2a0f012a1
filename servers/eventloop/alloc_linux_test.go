//go:build !race

package eventloop

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"

	"loopbench/servers/model"
)

// pairConn is a connection handle on one end of a socket pair, driven by
// hand: the test writes requests on the other end, runs the connection's
// read callback as the loop would, and reads the answers back.
type pairConn struct {
	l    *loop
	c    *conn
	peer int
	buf  []byte
}

func newPairConn(tb testing.TB) *pairConn {
	tb.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	srv := &server{}
	srv.setBounds(model.Config{})
	l, err := newLoop(srv)
	if err != nil {
		tb.Fatal(err)
	}
	l.addConn(fds[0])
	p := &pairConn{l: l, c: l.handles[fds[0]].(*conn), peer: fds[1], buf: make([]byte, 64<<10)}
	tb.Cleanup(func() {
		p.c.close(l)
		l.runClosing()
		unix.Close(p.peer)
		l.closeFDs()
	})
	return p
}

// roundTrip sends req and reads until want bytes of answers arrived.
func (p *pairConn) roundTrip(tb testing.TB, req []byte, want int) {
	if _, err := unix.Write(p.peer, req); err != nil {
		tb.Fatal(err)
	}
	p.c.onEvent(p.l, unix.EPOLLIN)
	for got := 0; got < want; {
		n, err := unix.Read(p.peer, p.buf)
		if err != nil || n == 0 {
			tb.Fatalf("read after %d of %d bytes: %v", got, want, err)
		}
		got += n
	}
}

// answerLen measures the length of the answers to req.
func (p *pairConn) answerLen(tb testing.TB, req []byte) int {
	if _, err := unix.Write(p.peer, req); err != nil {
		tb.Fatal(err)
	}
	p.c.onEvent(p.l, unix.EPOLLIN)
	n, err := unix.Read(p.peer, p.buf)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

var (
	plainReq     = []byte("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: loopbench\r\nAccept: */*\r\n\r\n")
	pipelinedReq = bytes.Repeat(plainReq, 16)
)

func TestZeroAllocationsPerRequest(t *testing.T) {
	tests := []struct {
		name string
		req  []byte
	}{
		{"keep-alive", plainReq},    // one request per read, one answer per write
		{"pipelined", pipelinedReq}, // 16 requests per read, 16 answers in one write
		{"json", []byte("GET /json HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"refused method", []byte("POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")}, // 405, kept alive
	}
	for _, tt := range tests {
		p := newPairConn(t)
		n := p.answerLen(t, tt.req)
		if allocs := testing.AllocsPerRun(2000, func() { p.roundTrip(t, tt.req, n) }); allocs != 0 {
			t.Errorf("%s: %.1f allocations per round trip, want 0", tt.name, allocs)
		}
	}
}

func benchmarkServe(b *testing.B, req []byte, perRound int) {
	p := newPairConn(b)
	n := p.answerLen(b, req)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.roundTrip(b, req, n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perRound), "ns/req")
}

// BenchmarkServeKeepAlive measures the connection's read-parse-answer-write
// path for one request (including both ends' syscalls on a socket pair).
func BenchmarkServeKeepAlive(b *testing.B) { benchmarkServe(b, plainReq, 1) }

// BenchmarkServePipelined is the same for 16 pipelined requests per read.
func BenchmarkServePipelined(b *testing.B) { benchmarkServe(b, pipelinedReq, 16) }
