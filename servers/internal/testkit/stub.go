package testkit

import (
	"bufio"
	"net"
	"sync"
	"testing"
	"time"

	"loopbench/app"
)

// Stub is a hand-made upstream service speaking app's line protocol, for
// the tests the real backend cannot serve: replies that break the protocol,
// and counting the connections a model opens.
type Stub struct {
	// Addr is where it listens.
	Addr  string
	ln    net.Listener
	reply func(ms int) []byte
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
	dials int
}

// StartStub serves until the test ends; reply renders the reply to a
// request for ms (nil: the protocol's own, after ms milliseconds).
func StartStub(t testing.TB, reply func(ms int) []byte) *Stub {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if reply == nil {
		reply = func(ms int) []byte { return app.AppendUpstreamReply(nil, ms) }
	}
	s := &Stub{Addr: ln.Addr().String(), ln: ln, reply: reply, conns: map[net.Conn]bool{}}
	s.wg.Go(s.accept)
	t.Cleanup(s.close)
	return s
}

// Dials returns how many connections the stub has accepted.
func (s *Stub) Dials() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dials
}

func (s *Stub) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.dials++
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(c) })
	}
}

func (s *Stub) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		_, ms, err := app.ParseUpstreamRequest(line)
		if err != nil {
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		if _, err := c.Write(s.reply(ms)); err != nil {
			return
		}
	}
}

func (s *Stub) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
