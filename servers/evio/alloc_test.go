//go:build !race

package evio

import (
	"bytes"
	"testing"

	"github.com/tidwall/evio"

	"loopbench/app"
	"loopbench/servers/model"
)

// TestPlaintextAllocations wants Data to allocate nothing for pipelined
// plaintext and JSON requests on a connection with no deferred work.
func TestPlaintextAllocations(t *testing.T) {
	s := newServer(model.Config{})
	defer s.release()
	f := &fakeConn{}
	s.opened(f)
	reqs := []byte("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n")
	var out []byte
	allocs := testing.AllocsPerRun(1000, func() {
		var action evio.Action
		out, action = s.data(f, reqs)
		if action != evio.None {
			t.Fatal("Data closed a kept-alive connection")
		}
	})
	if allocs != 0 {
		t.Errorf("Data allocated %v times per call, want 0", allocs)
	}
	if !bytes.HasSuffix(out, app.JSONBody()) || bytes.Count(out, []byte("HTTP/1.1 200")) != 2 {
		t.Errorf("Data returned %q", out)
	}
}
