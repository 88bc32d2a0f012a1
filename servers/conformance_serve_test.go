package servers_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// backendFailures are the ways the backend can fail; a model answers
// /upstream with 502 and keeps serving.
var backendFailures = []struct {
	name    string
	backend func(t *testing.T) string // the --backend address
}{
	// No --backend at all.
	{name: "none-configured", backend: func(*testing.T) string { return "" }},
	// Nothing listens there: the connection is refused.
	{name: "refuses", backend: func(t *testing.T) string { return testkit.FreeAddr(t) }},
	// A reply that is not an upstream line.
	{name: "garbage-reply", backend: stubReplying("bogus\n")},
	// A line longer than the protocol allows.
	{name: "overlong-reply", backend: stubReplying("upstream " + strings.Repeat("9", 80) + "\n")},
}

// stubReplying returns a backend that answers every request with reply.
func stubReplying(reply string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return testkit.StartStub(t, func(int) []byte { return []byte(reply) }).Addr
	}
}

// testBackendFailures serves the row's model against each failing backend,
// in parallel.
func testBackendFailures(t *testing.T, s *subject) {
	for _, bf := range backendFailures {
		t.Run(bf.name, func(t *testing.T) {
			t.Parallel()
			addr := bf.backend(t)
			srv := s.serveAnother(t, func(c *model.Config) { c.Backend = addr })
			c := testkit.Dial(t, srv.Addr)
			for range 2 {
				if r := c.Get(t, "/upstream?ms=1"); r.Status != 502 || string(r.Body) != "Bad Gateway" {
					t.Errorf("GET /upstream?ms=1 = %v, want 502 Bad Gateway", r)
				}
			}
			if r := c.Get(t, "/plaintext"); r.Status != 200 {
				t.Errorf("GET /plaintext after the failures = %v", r)
			}
			srv.Stop(t)
		})
	}
}

// testBackendReuse has four clients make ten backend calls each, one after
// another: a model keeps its backend connections alive and reuses them, so
// it needs no more than one per caller.
func testBackendReuse(t *testing.T, s *subject) {
	const clients, calls = 4, 10
	stub := testkit.StartStub(t, nil)
	srv := s.serveAnother(t, func(c *model.Config) { c.Backend = stub.Addr })
	cs := make([]*testkit.Client, clients)
	for i := range cs {
		cs[i] = testkit.Dial(t, srv.Addr)
	}
	concurrently(t, cs, func(c *testkit.Client) error {
		for range calls {
			if err := exchange(c, "/upstream?ms=2", []byte("upstream 2 ms")); err != nil {
				return err
			}
		}
		return nil
	})
	srv.Stop(t)
	if n := stub.Dials(); n > clients {
		t.Errorf("%d backend connections for %d callers of %d calls each: not reused", n, clients, calls)
	}
}

// testListenError wants Serve to fail, not hang, when it cannot listen,
// and to leave no descriptor open.
func testListenError(t *testing.T, s *subject) {
	cfg := s.config("256.0.0.1:1")
	fds := testkit.OpenFDs(t)
	done := make(chan error, 1)
	go func() { done <- s.entry.New().Serve(t.Context(), cfg) }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, model.ErrServerClosed) {
			t.Errorf("Serve on %s returned %v, want a listen error", cfg.Addr, err)
		}
	case <-time.After(testkit.IOTimeout):
		t.Fatalf("Serve hung on the address %s", cfg.Addr)
	}
	if n := testkit.OpenFDs(t); n > fds {
		t.Errorf("%d descriptors open after Serve failed, %d before it started", n, fds)
	}
}

// In the child process of the accept-error case, acceptErrorEnv names the
// row whose model TestAcceptErrorChild serves, and acceptErrorStopsEnv says
// whether the model is expected to stop ("true").
const (
	acceptErrorEnv      = "LOOPBENCH_ACCEPT_ERROR_ROW"
	acceptErrorStopsEnv = "LOOPBENCH_ACCEPT_ERROR_STOPS"
)

// testAcceptError checks what a model does when accept fails with EMFILE,
// the process at its descriptor limit: our own models (and fasthttp, through
// the model's listener) back off or refuse, serve the connections they have
// and accept again once descriptors are free; gnet and evio stop, and Serve
// returns an error (declared in differences).
// The server runs in a child process, this test binary again, whose limit
// TestAcceptErrorChild lowers; this process is the client.
func testAcceptError(t *testing.T, s *subject) {
	want := expectation(s.row.model, "accept-error", outcome{statuses: []int{200}})
	result := acceptErrorChild(t, s.row.name, want.stops)
	switch {
	case strings.HasPrefix(result, "unsupported"):
		t.Skip(result)
	case want.stops && !strings.HasPrefix(result, "stopped"):
		t.Errorf("at the descriptor limit: %s; want Serve to return an error (%s)", result, want.why)
	case !want.stops && result != fmt.Sprint("status ", want.statuses[0]):
		t.Errorf("at the descriptor limit: %s; want the server to back off and answer once descriptors are free", result)
	}
}

// acceptErrorChild starts the child for row, connects eight clients once
// its limit is low and returns the result it prints.
func acceptErrorChild(t *testing.T, row string, stops bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.IOTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestAcceptErrorChild$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s", acceptErrorEnv, row), fmt.Sprintf("%s=%v", acceptErrorStopsEnv, stops),
		// A race-enabled binary sleeps a second at exit unless told not to.
		"GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		io.Copy(io.Discard, stdout)
		cmd.Wait()
	}()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for lines := bufio.NewScanner(stdout); lines.Scan(); {
		if addr, ok := strings.CutPrefix(lines.Text(), "READY "); ok {
			for range 8 {
				if c, err := net.DialTimeout("tcp", addr, testkit.IOTimeout); err == nil {
					conns = append(conns, c)
				}
			}
			io.WriteString(stdin, "connected\n")
		}
		if result, ok := strings.CutPrefix(lines.Text(), "RESULT "); ok {
			return result
		}
	}
	t.Fatalf("the child printed no result; its stderr:\n%s", stderr.String())
	return ""
}

// TestAcceptErrorChild is the server side of the accept-error case. It
// does nothing unless acceptErrorEnv names a row: then it serves the row's
// model with room for two more descriptors, says READY, waits for the
// parent's clients and prints the RESULT: "stopped: " and Serve's error, or
// after backing off the status a fresh connection gets once the limit is
// back.
func TestAcceptErrorChild(t *testing.T) {
	name := os.Getenv(acceptErrorEnv)
	if name == "" {
		return
	}
	r := rowNamed(t, name)
	m := lookup(t, r).New()
	cfg := model.Config{Addr: testkit.FreeAddr(t), DataDir: testkit.DataDir(t)}
	r.config(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- m.Serve(ctx, cfg) }()
	defer func() {
		cancel()
		select {
		case <-served:
		case <-time.After(testkit.StopTimeout):
		}
	}()
	if err := testkit.WaitListening(cfg.Addr, served); err != nil {
		fmt.Println("RESULT not serving:", err)
		return
	}
	time.Sleep(50 * time.Millisecond) // the server closes the probe's connection
	restore, err := testkit.LimitDescriptors(2)
	if err != nil {
		fmt.Println("RESULT unsupported:", err)
		return
	}
	fmt.Println("READY", cfg.Addr)
	bufio.NewReader(os.Stdin).ReadString('\n')
	fmt.Println("RESULT", atTheLimit(served, restore, cfg.Addr, os.Getenv(acceptErrorStopsEnv) == "true"))
}

// atTheLimit waits for Serve to return: as long as a test may wait if the
// model is expected to stop, a moment if it is expected to back off (a
// slow machine can then let a model pass that stops late, never fail one
// that backs off). If Serve is still running, it raises the limit again and
// returns the status a fresh connection gets.
func atTheLimit(served chan error, restore func() error, addr string, stops bool) string {
	wait := 300 * time.Millisecond
	if stops {
		wait = testkit.IOTimeout
	}
	select {
	case err := <-served:
		served <- err
		return fmt.Sprint("stopped: ", err)
	case <-time.After(wait):
	}
	if err := restore(); err != nil {
		return fmt.Sprint("cannot restore the descriptor limit: ", err)
	}
	c, err := testkit.DialErr(addr)
	if err != nil {
		return fmt.Sprint("status 0: ", err)
	}
	defer c.Conn.Close()
	resp, err := c.Exchange(testkit.Get("/plaintext"))
	if err != nil {
		return fmt.Sprint("status 0: ", err)
	}
	return fmt.Sprint("status ", resp.Status)
}

// rowNamed finds a row by name.
func rowNamed(t *testing.T, name string) row {
	for _, r := range rows {
		if r.name == name {
			return r
		}
	}
	t.Fatalf("no row named %q", name)
	return row{}
}
