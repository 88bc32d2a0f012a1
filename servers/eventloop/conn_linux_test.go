package eventloop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/model"
)

func TestPipelinedAnswersKeepRequestOrder(t *testing.T) {
	for _, offload := range []bool{false, true} {
		ts := startServer(t, model.Config{CPUOffload: offload}, nil)
		c := ts.dial(t)
		targets := []struct{ target, body string }{
			{"/sleep?ms=40", "slept 40 ms"},     // deferred, slowest: everything queues behind it
			{"/plaintext", "Hello, World!"},     // immediate, must wait
			{"/cpu?iter=2", string(app.CPU(2))}, // inline or pool
			{"/sleep?ms=1", "slept 1 ms"},       // deferred, finishes before the first
			{"/file?name=small.bin", string(app.DataContent(1 << 10))},
			{"/json", `{"message":"Hello, World!"}`},
		}
		var req strings.Builder
		for _, tt := range targets {
			req.WriteString("GET " + tt.target + " HTTP/1.1\r\nHost: x\r\n\r\n")
		}
		if _, err := io.WriteString(c, req.String()); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		for _, tt := range targets {
			if status, body := readAnswer(t, r); status != 200 || body != tt.body {
				t.Errorf("offload=%v: answer to %s = %d %.30q, want 200 %.30q", offload, tt.target, status, body, tt.body)
			}
		}
	}
}

func TestConnectionCloseAfterDeferredAnswer(t *testing.T) {
	ts := startServer(t, model.Config{}, nil)
	c := ts.dial(t)
	io.WriteString(c, "GET /sleep?ms=5 HTTP/1.1\r\nConnection: close\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n")
	all, err := io.ReadAll(c) // the server must close after the first answer
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(all, []byte("HTTP/1.1 ")); n != 1 || !bytes.HasSuffix(all, []byte("slept 5 ms")) {
		t.Errorf("got %d answers: %q", n, all)
	}
}

func TestPartialWritesWithTinySendBuffer(t *testing.T) {
	ts := startServer(t, model.Config{}, func(s *server) { s.sndbuf = 4096 })
	c := ts.dial(t) // a tiny receive buffer too would make TCP crawl (delayed ACKs on a 4 KiB window)
	const n = 3
	io.WriteString(c, strings.Repeat("GET /file?name=large.bin HTTP/1.1\r\n\r\nGET /plaintext HTTP/1.1\r\n\r\n", n))
	want := string(app.DataContent(1 << 20))
	r := bufio.NewReaderSize(c, 512)
	for i := range n {
		time.Sleep(20 * time.Millisecond) // a slow reader: the server's queue must hold the rest
		if status, body := readAnswer(t, r); status != 200 || body != want {
			t.Fatalf("large answer %d: status %d, %d bytes, equal %v", i, status, len(body), body == want)
		}
		if status, body := readAnswer(t, r); status != 200 || body != "Hello, World!" {
			t.Fatalf("plaintext answer %d: %d %q", i, status, body)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if ts.s.loops[0].maxOut == 0 {
		t.Error("the write queue was never used: the test did not exercise partial writes")
	}
}

func TestPeerClosesMidWrite(t *testing.T) {
	before := openFDs(t)
	ts := startServer(t, model.Config{}, func(s *server) { s.sndbuf = 4096 })
	for range 5 {
		c := ts.dial(t)
		c.(*net.TCPConn).SetReadBuffer(4096)
		io.WriteString(c, strings.Repeat("GET /file?name=large.bin HTTP/1.1\r\n\r\n", 4))
		io.ReadFull(c, make([]byte, 1000))
		c.(*net.TCPConn).SetLinger(0) // reset: the server's next write fails
		c.Close()
	}
	c := ts.dial(t)
	if status, body := get(t, c, bufio.NewReader(c), "/plaintext"); status != 200 || body != "Hello, World!" {
		t.Fatalf("after resets: %d %q", status, body)
	}
	c.Close()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after > before {
		t.Errorf("%d descriptors open after stop, %d before", after, before)
	}
}

func TestWriteQueueBoundWhenClientNeverReads(t *testing.T) {
	ts := startServer(t, model.Config{}, nil)
	c := ts.dial(t)
	req := []byte("GET /plaintext HTTP/1.1\r\n\r\n")
	batch := bytes.Repeat(req, 1000)
	const limit = 64 << 20 // more than the kernel buffers can ever hold
	sent := 0
	for sent < limit {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(batch)
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
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReaderSize(c, 64<<10)
	for i := range sent / len(req) {
		if status, body := readAnswer(t, r); status != 200 || body != "Hello, World!" {
			t.Fatalf("answer %d: %d %q", i, status, body)
		}
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	// serve flushes at maxQueued and stops reading once maxQueued bytes are
	// queued, so the queue stays under twice the bound plus one answer.
	if got := ts.s.loops[0].maxOut; got > 2*maxQueued+1024 {
		t.Errorf("write queue reached %d bytes, bound %d", got, 2*maxQueued+1024)
	}
	t.Logf("client pushed %d requests before blocking; largest write queue %d bytes", sent/len(req), ts.s.loops[0].maxOut)
}

func TestAnswerSurvivesAnUnreadBody(t *testing.T) {
	ts := startServer(t, model.Config{}, nil)
	for range 5 {
		c := ts.dial(t)
		body := bytes.Repeat([]byte("x"), 1<<20) // over app.MaxBodyBytes: answered, then closed unread
		head := fmt.Sprintf("GET /plaintext HTTP/1.1\r\nContent-Length: %d\r\n\r\n", len(body))
		sent := make(chan error, 1)
		go func() {
			_, err := c.Write(append([]byte(head), body...))
			sent <- err
		}()
		all, err := io.ReadAll(c) // the answer, then EOF rather than a reset
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(all), err)
		}
		if !bytes.HasSuffix(all, []byte("Hello, World!")) || !bytes.Contains(all, []byte("Connection: close")) {
			t.Fatalf("answer %q", all)
		}
		c.Close()
		<-sent // the server may have closed before taking the whole body
	}
}
