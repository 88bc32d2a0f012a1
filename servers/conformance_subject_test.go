package servers_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/app"
	"loopbench/servers"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// subject is one row's model, running in this process with a real backend
// and a data directory.
type subject struct {
	row     row
	entry   servers.Entry
	srv     *testkit.Server
	addr    string
	dataDir string
	backend *testkit.Backend
	fds     int           // open descriptors before the backend and model started
	before  goleak.Option // goroutines before they started (a library's, the test framework's)
}

// start runs the row's model on a free loopback port and waits until it
// accepts connections. It skips the test when the model cannot run on this
// host or is a placeholder (errors.ErrUnsupported).
func start(t testing.TB, r row) *subject {
	t.Helper()
	s := &subject{row: r, entry: lookup(t, r), fds: testkit.OpenFDs(t), before: goleak.IgnoreCurrent()}
	s.dataDir = testkit.DataDir(t)
	s.backend = testkit.StartBackendIn(t, s.dataDir)
	cfg := s.config(testkit.FreeAddr(t))
	s.srv = testkit.Start(t, s.entry.New(), cfg)
	s.addr = cfg.Addr
	return s
}

// lookup finds the row's model in the table, skipping the test when the
// model cannot run here.
func lookup(t testing.TB, r row) servers.Entry {
	t.Helper()
	e, err := servers.Lookup(r.model)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Available(); err != nil {
		t.Skipf("%s cannot run here: %v", r.model, err)
	}
	return e
}

// config is the row's configuration on addr, with the subject's data
// directory and backend.
func (s *subject) config(addr string) model.Config {
	cfg := model.Config{Addr: addr, DataDir: s.dataDir, Backend: s.backend.Addr}
	s.row.config(&cfg)
	return cfg
}

// serveAnother serves a second instance of the row's model, with edit
// applied to the subject's configuration, until the case ends.
func (s *subject) serveAnother(t *testing.T, edit func(*model.Config)) *testkit.Server {
	t.Helper()
	cfg := s.config(testkit.FreeAddr(t))
	edit(&cfg)
	return testkit.Start(t, s.entry.New(), cfg)
}

// stop cancels the model and checks the graceful stop: Serve returns
// model.ErrServerClosed within a bound, an idle keep-alive connection is
// closed, requests in flight (a timer, a backend call, a FIFO wait) are
// answered or dropped, and no goroutine or file descriptor is left behind.
func (s *subject) stop(t testing.TB) {
	t.Helper()
	idle := testkit.Dial(t, s.addr)
	expect200(t, idle, "/plaintext", app.PlaintextBody())
	inFlight := slices.DeleteFunc([]string{"/sleep?ms=300", "/upstream?ms=300", "/fifo?ms=300"},
		func(target string) bool { return len(s.unserved(testkit.Get(target))) > 0 })
	busy := make([]*testkit.Client, len(inFlight))
	for i, target := range inFlight {
		busy[i] = testkit.Dial(t, s.addr)
		busy[i].Send(t, testkit.Get(target))
	}
	time.Sleep(50 * time.Millisecond)
	begin := time.Now()
	s.srv.Stop(t)
	t.Logf("stopped in %v", time.Since(begin).Round(time.Millisecond))
	idle.ExpectClosed(t)
	idle.Conn.Close()
	for i, target := range inFlight { // answered or dropped, never garbled
		want := testkit.Want(t, testkit.Get(target), s.dataDir)
		if r, err := busy[i].Read("GET"); err == nil && (r.Status != want.Status || !bytes.Equal(r.Body, want.Body)) {
			t.Errorf("GET %s in flight at the stop was answered %v", target, r)
		}
		busy[i].Conn.Close()
	}
	if err := s.backend.Stop(); err != nil {
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
		if n = testkit.OpenFDs(t); n <= s.fds {
			return
		}
	}
	t.Errorf("%d file descriptors open after the stop, %d before the start", n, s.fds)
}

// stillServes checks that a fresh connection is answered.
func stillServes(t testing.TB, s *subject) {
	t.Helper()
	c, err := testkit.DialErr(s.addr)
	if err != nil {
		t.Fatalf("server stopped accepting: %v", err)
	}
	defer c.Conn.Close()
	r, err := c.Exchange(testkit.Get("/plaintext"))
	if err != nil || r.Status != 200 || !bytes.Equal(r.Body, app.PlaintextBody()) {
		t.Fatalf("server no longer answers a fresh connection: %v %v", r, err)
	}
}
