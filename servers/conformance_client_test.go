package servers_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/backend"
	"loopbench/servers"
	"loopbench/servers/model"
)

// ioTimeout bounds every client read and write, so a model that never
// answers fails the case instead of hanging the suite.
const ioTimeout = 10 * time.Second

// subject is one row's model, running in this process with a real backend
// and a data directory.
type subject struct {
	row     row
	addr    string
	dataDir string
	backend string
	fds     int           // open descriptors before the backend and model started
	before  goleak.Option // goroutines before they started (a library's, the test framework's)

	cancelModel, cancelBackend context.CancelFunc
	served, backendDone        chan error
}

// start runs the row's model on a free loopback port and waits until it
// accepts connections. It skips the test when the model is a placeholder
// (errors.ErrUnsupported) or cannot run on this host.
func start(t testing.TB, r row) *subject {
	t.Helper()
	e, err := servers.Lookup(r.model)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Available(); err != nil {
		t.Skipf("%s cannot run here: %v", r.model, err)
	}
	s := &subject{row: r, dataDir: t.TempDir(), fds: openFDs(t), before: goleak.IgnoreCurrent()}
	if err := app.WriteDataFiles(s.dataDir); err != nil {
		t.Fatal(err)
	}
	s.startBackend(t)
	cfg := model.Config{Addr: freeAddr(t), DataDir: s.dataDir, Backend: s.backend}
	r.config(&cfg)
	s.addr = cfg.Addr
	var ctx context.Context
	ctx, s.cancelModel = context.WithCancel(context.Background())
	s.served = make(chan error, 1)
	go func() { s.served <- e.New().Serve(ctx, cfg) }()
	s.waitListening(t)
	return s
}

func (s *subject) startBackend(t testing.TB) {
	t.Helper()
	b, err := backend.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.backend = b.Addr()
	var ctx context.Context
	ctx, s.cancelBackend = context.WithCancel(context.Background())
	s.backendDone = make(chan error, 1)
	go func() { s.backendDone <- b.Serve(ctx) }()
}

// waitListening waits until the model accepts a connection, or skips the
// test if Serve returned errors.ErrUnsupported.
func (s *subject) waitListening(t testing.TB) {
	t.Helper()
	for deadline := time.Now().Add(ioTimeout); ; {
		select {
		case err := <-s.served:
			s.cancelBackend()
			<-s.backendDone
			if errors.Is(err, errors.ErrUnsupported) {
				t.Skipf("%s is not implemented yet: %v", s.row.model, err)
			}
			t.Fatalf("%s: Serve returned before listening: %v", s.row.name, err)
		case <-time.After(20 * time.Millisecond):
		}
		c, err := net.Dial("tcp", s.addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never accepted a connection on %s: %v", s.row.name, s.addr, err)
		}
	}
}

// stop cancels the model and checks the graceful stop: Serve returns
// model.ErrServerClosed within a bound, an idle keep-alive connection is
// closed, a request in flight is answered or dropped, and no goroutine or
// file descriptor is left behind.
func (s *subject) stop(t testing.TB) {
	t.Helper()
	idle := dial(t, s.addr)
	idle.expect200(t, "/plaintext", string(app.PlaintextBody()))
	busy := dial(t, s.addr)
	busy.send(t, "GET /sleep?ms=300 HTTP/1.1\r\nHost: loopbench\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	begin := time.Now()
	s.cancelModel()
	select {
	case err := <-s.served:
		if !errors.Is(err, model.ErrServerClosed) {
			t.Errorf("Serve returned %v, want model.ErrServerClosed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Serve did not return within 30 s of the stop")
	}
	t.Logf("stopped in %v", time.Since(begin).Round(time.Millisecond))
	idle.expectClosed(t)
	idle.c.Close()
	// The request in flight is either answered or dropped, never garbled.
	if r, err := busy.read("GET"); err == nil && (r.status != 200 || string(r.body) != "slept 300 ms") {
		t.Errorf("the request in flight at the stop was answered %v", r)
	}
	busy.c.Close()
	s.cancelBackend()
	if err := <-s.backendDone; err != nil {
		t.Errorf("backend: %v", err)
	}
	goleak.VerifyNone(t, append(libraryGoroutines, append(s.row.leakOK, s.before)...)...)
	s.checkFDs(t)
}

// checkFDs waits a little for asynchronous closes, then compares the open
// descriptors with those before the model started.
func (s *subject) checkFDs(t testing.TB) {
	t.Helper()
	n := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n = openFDs(t); n <= s.fds {
			return
		}
	}
	t.Errorf("%d file descriptors open after the stop, %d before the start", n, s.fds)
}

func openFDs(t testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("cannot count file descriptors:", err)
	}
	return len(entries)
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// client is one connection to the model under test.
type client struct {
	c  *net.TCPConn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := dialErr(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.c.Close() })
	return c
}

func dialErr(addr string) (*client, error) {
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(ioTimeout))
	return &client{c: c.(*net.TCPConn), br: bufio.NewReader(c)}, nil
}

func (c *client) send(t testing.TB, raw string) {
	t.Helper()
	if _, err := io.WriteString(c.c, raw); err != nil {
		t.Fatalf("writing %.40q: %v", raw, err)
	}
}

// response is one answer as the client saw it.
type response struct {
	status int
	header http.Header
	body   []byte
	close  bool // the answer said Connection: close (net/http removes the header)
}

// read reads one response to a request with the given method.
func (c *client) read(method string) (*response, error) {
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return &response{status: resp.StatusCode, header: resp.Header, body: body, close: resp.Close}, err
}

func (c *client) mustRead(t testing.TB, method string) *response {
	t.Helper()
	r, err := c.read(method)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return r
}

func (c *client) get(t testing.TB, target string) *response {
	t.Helper()
	c.send(t, "GET "+target+" HTTP/1.1\r\nHost: loopbench\r\n\r\n")
	return c.mustRead(t, "GET")
}

func (c *client) expect200(t testing.TB, target, body string) {
	t.Helper()
	if r := c.get(t, target); r.status != 200 || string(r.body) != body {
		t.Errorf("GET %s = %d %.40q, want 200 %.40q", target, r.status, r.body, body)
	}
}

// expectClosed checks that the server closes the connection: a read ends
// with end of stream or a reset, not with data or a timeout.
func (c *client) expectClosed(t testing.TB) {
	t.Helper()
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	n, err := c.br.Read(b[:])
	switch {
	case n > 0:
		t.Errorf("connection still open: unexpected byte %q", b[0])
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
	default:
		t.Errorf("connection not closed by the server: %v", err)
	}
}

// reset closes the connection with a TCP reset (SO_LINGER 0).
func (c *client) reset() {
	c.c.SetLinger(0)
	c.c.Close()
}

// stillServes checks that a fresh connection is answered.
func stillServes(t testing.TB, s *subject) {
	t.Helper()
	c, err := dialErr(s.addr)
	if err != nil {
		t.Fatalf("server stopped accepting: %v", err)
	}
	defer c.c.Close()
	c.send(t, "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\n\r\n")
	r, err := c.read("GET")
	if err != nil || r.status != 200 || string(r.body) != string(app.PlaintextBody()) {
		t.Fatalf("server no longer answers a fresh connection: %v %v", r, err)
	}
}

func (r *response) String() string {
	if r == nil {
		return "no response"
	}
	return fmt.Sprintf("%d %.40q", r.status, r.body)
}
