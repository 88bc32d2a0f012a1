package evio

import (
	"bytes"
	"net"
	"testing"

	"loopbench/app"
	"loopbench/servers/model"
)

// fakeConn is an evio.Conn without a loop behind it.
type fakeConn struct {
	ctx   any
	wakes chan struct{} // Wake's calls, when a test wants them
}

func (f *fakeConn) Context() any         { return f.ctx }
func (f *fakeConn) SetContext(ctx any)   { f.ctx = ctx }
func (f *fakeConn) AddrIndex() int       { return 0 }
func (f *fakeConn) LocalAddr() net.Addr  { return nil }
func (f *fakeConn) RemoteAddr() net.Addr { return nil }
func (f *fakeConn) Wake()                { f.wakes <- struct{}{} }

// TestCPUWhere checks where /cpu runs: inline, Data returns the key, so the
// loop computed it; offloaded, Data returns nothing, and the key comes from
// the Data call that the operation's Wake brings.
func TestCPUWhere(t *testing.T) {
	key := app.CPU(1000)
	req := []byte("GET /cpu?iter=1000 HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, offload := range []bool{false, true} {
		s := newServer(model.Config{CPUOffload: offload})
		f := &fakeConn{wakes: make(chan struct{}, 1)}
		s.opened(f)
		out, _ := s.data(f, req)
		if inline := bytes.HasSuffix(out, key); inline == offload {
			t.Errorf("offload %v: Data returned %q", offload, out)
		}
		if offload {
			<-f.wakes
			if out, _ := s.data(f, nil); !bytes.HasSuffix(out, key) {
				t.Errorf("after the Wake Data returned %q", out)
			}
		}
		s.closed(f, nil)
		s.release()
	}
}
