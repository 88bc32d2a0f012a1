package eventloop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

func TestPartialWritesWithTinySendBuffer(t *testing.T) {
	ts := startServer(t, model.Config{}, func(s *server) { s.sndbuf = 4096 })
	c := testkit.Dial(t, ts.Addr) // a tiny receive buffer too would make TCP crawl (delayed ACKs on a 4 KiB window)
	const n = 3
	c.Send(t, strings.Repeat(testkit.Get("/file?name=large.bin")+testkit.Get("/plaintext"), n))
	want := app.DataContent(1 << 20)
	r := bufio.NewReaderSize(c.Conn, 512)
	for i := range n {
		time.Sleep(20 * time.Millisecond) // a slow reader: the server's queue must hold the rest
		if a := mustRead(t, r); a.Status != 200 || !bytes.Equal(a.Body, want) {
			t.Fatalf("large answer %d: status %d, %d bytes, equal %v", i, a.Status, len(a.Body), bytes.Equal(a.Body, want))
		}
		if a := mustRead(t, r); a.Status != 200 || !bytes.Equal(a.Body, app.PlaintextBody()) {
			t.Fatalf("plaintext answer %d: %v", i, a)
		}
	}
	ts.Stop(t)
	if ts.s.loops[0].maxOut == 0 {
		t.Error("the write queue was never used: the test did not exercise partial writes")
	}
}

func mustRead(t *testing.T, r *bufio.Reader) *testkit.Response {
	t.Helper()
	a, err := testkit.ReadResponse(r, "GET")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPeerClosesMidWrite(t *testing.T) {
	before := testkit.OpenFDs(t)
	ts := startServer(t, model.Config{}, func(s *server) { s.sndbuf = 4096 })
	for range 5 {
		c := testkit.Dial(t, ts.Addr)
		c.Conn.SetReadBuffer(4096)
		c.Send(t, strings.Repeat(testkit.Get("/file?name=large.bin"), 4))
		io.ReadFull(c.Conn, make([]byte, 1000))
		c.Reset() // the server's next write fails
	}
	c := testkit.Dial(t, ts.Addr)
	if a := c.Get(t, "/plaintext"); a.Status != 200 || !bytes.Equal(a.Body, app.PlaintextBody()) {
		t.Fatalf("after resets: %v", a)
	}
	c.Conn.Close()
	ts.Stop(t)
	if after := testkit.OpenFDs(t); after > before {
		t.Errorf("%d descriptors open after stop, %d before", after, before)
	}
}

func TestWriteQueueBoundWhenClientNeverReads(t *testing.T) {
	ts := startServer(t, model.Config{}, nil)
	c := testkit.Dial(t, ts.Addr)
	req := []byte(testkit.Get("/plaintext"))
	batch := bytes.Repeat(req, 1000)
	const limit = 64 << 20 // more than the kernel buffers can ever hold
	sent := 0
	for sent < limit {
		c.Conn.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Conn.Write(batch)
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if sent >= limit {
		t.Fatalf("the server read %d bytes of requests without the client reading an answer", sent)
	}
	c.Conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReaderSize(c.Conn, 64<<10)
	for i := range sent / len(req) {
		if a := mustRead(t, r); a.Status != 200 || !bytes.Equal(a.Body, app.PlaintextBody()) {
			t.Fatalf("answer %d: %v", i, a)
		}
	}
	ts.Stop(t)
	// serve flushes at maxQueued and stops reading once maxQueued bytes are
	// queued, so the queue stays under twice the bound plus one answer.
	if got := ts.s.loops[0].maxOut; got > 2*maxQueued+1024 {
		t.Errorf("write queue reached %d bytes, bound %d", got, 2*maxQueued+1024)
	}
	t.Logf("client pushed %d requests before blocking; largest write queue %d bytes", sent/len(req), ts.s.loops[0].maxOut)
}

// TestAnswerSurvivesAnUnreadBody: a body over app.MaxBodyBytes is answered
// and then left unread; the lingering close makes the client see the answer
// and an end of stream, not a reset that could destroy the answer.
func TestAnswerSurvivesAnUnreadBody(t *testing.T) {
	ts := startServer(t, model.Config{}, nil)
	for range 5 {
		c := testkit.Dial(t, ts.Addr)
		body := bytes.Repeat([]byte("x"), 1<<20)
		head := fmt.Sprintf("GET /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body))
		sent := make(chan error, 1)
		go func() {
			_, err := c.Conn.Write(append([]byte(head), body...))
			sent <- err
		}()
		all, err := io.ReadAll(c.Conn) // the answer, then EOF rather than a reset
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(all), err)
		}
		if !bytes.HasSuffix(all, app.PlaintextBody()) || !bytes.Contains(all, []byte("Connection: close")) {
			t.Fatalf("answer %q", all)
		}
		c.Conn.Close()
		<-sent // the server may have closed before taking the whole body
	}
}
