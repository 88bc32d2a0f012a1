//go:build !race

package gnet

import (
	"bytes"
	"testing"

	gn "github.com/panjf2000/gnet/v2"

	"loopbench/app"
	"loopbench/servers/model"
)

// TestPlaintextAllocations wants OnTraffic to allocate nothing for
// pipelined plaintext and JSON requests on a connection with no deferred work.
func TestPlaintextAllocations(t *testing.T) {
	s := newServer(model.Config{})
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
