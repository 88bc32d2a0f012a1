package gnet

import (
	"bytes"
	"testing"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
	"loopbench/servers/model"
)

// fakeConn is the part of gnet.Conn that the model uses, without a loop:
// the whole inbound buffer, and writes collected in memory.
type fakeConn struct {
	gn.Conn
	ctx      any
	in, out  []byte
	outbound int           // what gnet would still hold unsent
	async    chan [][]byte // AsyncWritev's batches, when a test wants them
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
func (f *fakeConn) InboundBuffered() int        { return len(f.in) }
func (f *fakeConn) Wake(gn.AsyncCallback) error { return nil }

// AsyncWritev hands the batch to the test; the callback, which gnet would
// run on the loop, does not run.
func (f *fakeConn) AsyncWritev(b [][]byte, _ gn.AsyncCallback) error {
	f.async <- b
	return nil
}

// TestCPUWhere checks where /cpu runs: inline, OnTraffic writes the key
// before it returns, so the loop computed it; offloaded, OnTraffic returns
// without an answer and the key comes later through AsyncWritev.
func TestCPUWhere(t *testing.T) {
	key := app.CPU(1000)
	for _, offload := range []bool{false, true} {
		s := newServer(model.Config{CPUOffload: offload})
		f := &fakeConn{async: make(chan [][]byte, 1)}
		s.OnOpen(f)
		f.in = []byte("GET /cpu?iter=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
		s.OnTraffic(f)
		if inline := bytes.HasSuffix(f.out, key); inline == offload {
			t.Errorf("offload %v: OnTraffic wrote %q", offload, f.out)
		}
		if offload {
			if b := <-f.async; len(b) != 1 || !bytes.HasSuffix(b[0], key) {
				t.Errorf("offloaded key came back as %q", b)
			}
		}
		s.OnClose(f, nil)
		s.release()
	}
}

// TestFullOutboundStopsAnswering wants OnTraffic to leave requests unread
// while gnet holds maxOutbound unsent bytes for the connection.
func TestFullOutboundStopsAnswering(t *testing.T) {
	s := newServer(model.Config{})
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
