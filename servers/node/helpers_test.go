package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/model"
)

// requireNode skips the test when node cannot run here, with the reason.
func requireNode(t *testing.T) {
	t.Helper()
	if err := Check(); err != nil {
		t.Skipf("node model unavailable: %v", err)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// running is a node model started by start.
type running struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
	stderr *syncBuffer
}

// start serves cfg with the node model until the test ends; cfg.Addr and
// cfg.DataDir are filled in when empty. It waits until /plaintext answers.
func start(t *testing.T, cfg model.Config) *running {
	t.Helper()
	requireNode(t)
	if cfg.Addr == "" {
		cfg.Addr = freeAddr(t)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = dataDir(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{addr: cfg.Addr, cancel: cancel, done: make(chan error, 1), stderr: &syncBuffer{}}
	m := &Model{Stderr: r.stderr}
	go func() { r.done <- m.Serve(ctx, cfg) }()
	t.Cleanup(func() { r.stop(t) })
	r.waitReady(t)
	return r
}

// stop cancels the model and returns what Serve returned (once; later calls
// return the same error).
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
			if !errors.Is(err, model.ErrServerClosed) {
				t.Errorf("Serve returned %v, want model.ErrServerClosed; stderr:\n%s", err, r.stderr)
			}
		}
		return err
	case <-time.After(stopTimeout + 10*time.Second):
		t.Fatalf("Serve did not return after stop; stderr:\n%s", r.stderr)
		return nil
	}
}

func (r *running) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("node exited while starting: %v", err)
		default:
		}
		if resp, body, err := get(r.addr, "/plaintext"); err == nil && resp.StatusCode == 200 && string(body) == "Hello, World!" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("node did not answer on %s within 30 s; stderr:\n%s", r.addr, r.stderr)
}

// get sends one GET with Connection: close and reads the answer.
func get(addr, target string) (*http.Response, []byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		return nil, nil, err
	}
	return readResponse(bufio.NewReader(c), "GET")
}

// readResponse reads one response and its whole body.
func readResponse(br *bufio.Reader, method string) (*http.Response, []byte, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// dataDir returns a directory holding app.DataFiles.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// backend is a test upstream service speaking app's line protocol; reply
// renders the answer to a request for ms (nil: the protocol's own reply).
type backend struct {
	ln    net.Listener
	reply func(ms int) []byte
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func startBackend(t *testing.T, reply func(ms int) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if reply == nil {
		reply = func(ms int) []byte { return app.AppendUpstreamReply(nil, ms) }
	}
	b := &backend{ln: ln, reply: reply, conns: map[net.Conn]bool{}}
	b.wg.Add(1)
	go b.accept()
	t.Cleanup(b.close)
	return ln.Addr().String()
}

func (b *backend) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns[c] = true
		b.mu.Unlock()
		b.wg.Add(1)
		go b.serve(c)
	}
}

func (b *backend) serve(c net.Conn) {
	defer b.wg.Done()
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
		if _, err := c.Write(b.reply(ms)); err != nil {
			return
		}
	}
}

func (b *backend) close() {
	b.ln.Close()
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// syncBuffer is a bytes.Buffer safe for node's stderr copier and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
