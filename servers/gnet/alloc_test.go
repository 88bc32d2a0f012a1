//go:build !race

package gnet

import (
	"bytes"
	"testing"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
)

// fakeConn is the part of gnet.Conn that OnTraffic uses on its hot path:
// the whole inbound buffer, and writes collected in memory.
type fakeConn struct {
	gn.Conn
	ctx      any
	in, out  []byte
	outbound int // what gnet would still hold unsent
}

func (f *fakeConn) Context() any             { return f.ctx }
func (f *fakeConn) SetContext(ctx any)       { f.ctx = ctx }
func (f *fakeConn) Peek(int) ([]byte, error) { return f.in, nil }

// Discard drops n bytes, or all of them for n <= 0, as gnet's does.
func (f *fakeConn) Discard(n int) (int, error) {
	if n <= 0 || n > len(f.in) {
		n = len(f.in)
	}
	f.in = f.in[n:]
	return n, nil
}
func (f *fakeConn) Write(p []byte) (int, error) { f.out = append(f.out[:0], p...); return len(p), nil }
func (f *fakeConn) OutboundBuffered() int       { return f.outbound }
func (f *fakeConn) Wake(gn.AsyncCallback) error { return nil }

// TestPlaintextAllocations wants OnTraffic to allocate nothing for
// pipelined plaintext and JSON requests on a connection with no deferred work.
func TestPlaintextAllocations(t *testing.T) {
	s := newServer(app.Config{})
	defer s.release()
	f := &fakeConn{out: make([]byte, 0, 4096)}
	s.OnOpen(f)
	reqs := []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n")
	allocs := testing.AllocsPerRun(1000, func() {
		f.in = reqs
		if s.OnTraffic(f) != gn.None {
			t.Fatal("OnTraffic closed a kept-alive connection")
		}
	})
	if allocs != 0 {
		t.Errorf("OnTraffic allocated %v times per call, want 0", allocs)
	}
	if !bytes.HasSuffix(f.out, app.JSONBody()) || len(f.in) != 0 {
		t.Errorf("OnTraffic wrote %q and left %q unread", f.out, f.in)
	}
}

// TestFullOutboundStopsAnswering wants OnTraffic to leave requests unread
// while gnet holds maxOutbound unsent bytes for the connection.
func TestFullOutboundStopsAnswering(t *testing.T) {
	s := newServer(app.Config{})
	defer s.release()
	f := &fakeConn{outbound: maxOutbound}
	s.OnOpen(f)
	defer s.OnClose(f, nil)
	f.in = []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n")
	if s.OnTraffic(f) != gn.None || len(f.out) != 0 || len(f.in) == 0 {
		t.Errorf("with a full outbound buffer OnTraffic wrote %q and left %q unread", f.out, f.in)
	}
	f.outbound = 0
	if s.OnTraffic(f) != gn.None || !bytes.HasSuffix(f.out, app.PlaintextBody()) || len(f.in) != 0 {
		t.Errorf("once drained OnTraffic wrote %q and left %q unread", f.out, f.in)
	}
}
