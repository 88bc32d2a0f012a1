package loadgen

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"loopbench/app"
)

// fault is how the test server misbehaves on selected requests.
type fault int

const (
	faultNone     fault = iota
	faultBody           // a wrong body of the right length
	faultStatus         // 503 instead of the answer
	faultReset          // reset the connection instead of answering
	faultTruncate       // half an answer, then close
	faultGarbage        // bytes that are not HTTP
	faultHang           // never answer
	faultClose          // answer with Connection: close, then close
)

// testServer is an in-process HTTP/1.1 server on the shared application.
// It answers each connection in a goroutine of its own, pipelined requests
// in order, and performs deferred operations inline (sleeping for /sleep).
type testServer struct {
	ln    net.Listener
	fault fault
	every int64 // the fault hits every every-th request (0: none)
	// idleClose, if set, closes a connection silent for that long.
	idleClose atomic.Int64 // ns
	// serveAtMost, if set, serves only the first that many connections
	// accepted; the others are accepted and never read, as by a server out
	// of threads.
	serveAtMost atomic.Int64
	accepted    atomic.Int64

	served atomic.Int64 // requests answered or faulted
	// arrivals, if recording is set, are the times reads brought requests.
	recording  atomic.Bool
	arrivals   []time.Time  // under mu
	pauseUntil atomic.Int64 // unix ns: answers wait until then
	open       atomic.Int64 // connections open now
	wg         sync.WaitGroup
	mu         sync.Mutex
	conns      map[net.Conn]struct{}
}

func startServer(t testing.TB, f fault, every int64) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln, fault: f, every: every, conns: map[net.Conn]struct{}{}}
	s.wg.Go(s.accept)
	t.Cleanup(s.close)
	return s
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

// pause makes every answer wait until d from now.
func (s *testServer) pause(d time.Duration) { s.pauseUntil.Store(time.Now().Add(d).UnixNano()) }

func (s *testServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.open.Add(1)
		if n := s.accepted.Add(1); s.serveAtMost.Load() > 0 && n > s.serveAtMost.Load() {
			continue // held open, never answered; closed by close
		}
		s.wg.Go(func() { s.serve(c) })
	}
}

func (s *testServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *testServer) serve(c net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.open.Add(-1)
		c.Close()
	}()
	buf := make([]byte, 0, 16<<10)
	tmp := make([]byte, 16<<10)
	for {
		if d := time.Duration(s.idleClose.Load()); d > 0 {
			c.SetReadDeadline(time.Now().Add(d))
		}
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		if s.recording.Load() {
			s.mu.Lock()
			s.arrivals = append(s.arrivals, time.Now())
			s.mu.Unlock()
		}
		buf = append(buf, tmp[:n]...)
		out, rest, ok := s.answer(c, buf)
		if !ok {
			return
		}
		buf = append(buf[:0], rest...)
		s.wait()
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

func (s *testServer) wait() {
	if d := time.Until(time.Unix(0, s.pauseUntil.Load())); d > 0 {
		time.Sleep(d)
	}
}

// answer renders the answers of every complete request in buf; ok is false
// when the connection must end.
func (s *testServer) answer(c net.Conn, buf []byte) (out, rest []byte, ok bool) {
	for {
		var req app.Request
		n, err := app.Parse(buf, &req)
		if err != nil {
			c.Write(app.AppendError(nil, err))
			return nil, nil, false
		}
		if n == 0 {
			return out, buf, true
		}
		buf = buf[n:]
		one := s.render(&req)
		f := s.faultFor()
		if f == faultClose {
			req.KeepAlive = false
			c.Write(append(out, s.render(&req)...))
			return nil, nil, false
		}
		if f == faultBody || f == faultStatus {
			one = corrupt(f, one)
		} else if f != faultNone {
			s.misbehave(c, f, out, one)
			return nil, nil, false
		}
		out = append(out, one...)
	}
}

func (s *testServer) faultFor() fault {
	if n := s.served.Add(1); s.every > 0 && n%s.every == 0 {
		return s.fault
	}
	return faultNone
}

func (s *testServer) render(req *app.Request) []byte {
	out, a := app.Handle(nil, req)
	if a.Op == app.OpNone {
		return out
	}
	if a.Op == app.OpSleep {
		time.Sleep(time.Duration(a.Millis) * time.Millisecond)
	}
	result, err := perform(&a)
	return app.Finish(out, &a, result, err)
}

// corrupt turns an answer into a keep-alive answer the client must refuse.
func corrupt(f fault, one []byte) []byte {
	if f == faultStatus {
		return []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 19\r\n\r\nService Unavailable")
	}
	if i := bytes.Index(one, []byte("\r\n\r\n")) + 4; i < len(one) {
		one[i] ^= 0x20
	}
	return one
}

// misbehave writes the answers before the faulty one and acts out a fault
// that ends the connection.
func (s *testServer) misbehave(c net.Conn, f fault, before, one []byte) {
	c.Write(before)
	switch f {
	case faultReset:
		c.(*net.TCPConn).SetLinger(0)
	case faultTruncate:
		c.Write(one[:len(one)/2])
	case faultGarbage:
		c.Write([]byte("SSH-2.0-OpenSSH\r\n\r\n"))
	case faultHang:
		s.hang(c)
	}
}

// hang waits until the client gives up or the server closes.
func (s *testServer) hang(c net.Conn) {
	b := make([]byte, 512)
	for {
		if _, err := c.Read(b); err != nil {
			return
		}
	}
}
