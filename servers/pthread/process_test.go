package pthread

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/internal/child"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// waitThreads waits up to 10 s for process pid to have at most n threads
// and returns how many it has.
func waitThreads(t *testing.T, pid, n int) int {
	t.Helper()
	got := testkit.Threads(t, pid)
	for deadline := time.Now().Add(10 * time.Second); got > n && time.Now().Before(deadline); got = testkit.Threads(t, pid) {
		time.Sleep(20 * time.Millisecond)
	}
	return got
}

// settle waits until every connection made to the server so far (the
// probe of testkit.Start, say) has been accepted, served and closed: one
// more connection is served (the kernel queues connections for accept in
// order), closed, and the thread count falls back to the accept thread.
func settle(t *testing.T, addr string, pid int) {
	t.Helper()
	c := testkit.Dial(t, addr)
	if r := c.Get(t, "/plaintext"); r.Status != 200 {
		t.Fatalf("GET /plaintext: %v", r)
	}
	c.Conn.Close()
	if n := waitThreads(t, pid, 1); n != 1 {
		t.Fatalf("%d threads 10 s after every connection closed, want 1", n)
	}
}

// TestThreadPerConnection opens 1,000 connections, each answered twice:
// the server then runs a thread for each besides its accept thread, and
// every one of them ends once the connections close.
func TestThreadPerConnection(t *testing.T) {
	const conns = 1000
	srv := start(t, model.Config{})
	pid := serverPID(t, srv.Addr)
	settle(t, srv.Addr, pid)
	cs := make([]*testkit.Client, conns)
	for i := range cs {
		cs[i] = testkit.Dial(t, srv.Addr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for _, c := range cs {
		wg.Go(func() {
			for range 2 {
				if r, err := c.Exchange(testkit.Get("/plaintext")); err != nil || r.Status != 200 || !bytes.Equal(r.Body, app.PlaintextBody()) {
					errs <- errors.Join(err, errors.New(r.String()))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a connection failed: %v", err)
	}
	if n := testkit.Threads(t, pid); n != conns+1 {
		t.Errorf("%d threads with %d connections open, want %d", n, conns, conns+1)
	}
	for _, c := range cs {
		c.Conn.Close()
	}
	if n := waitThreads(t, pid, 1); n != 1 {
		t.Errorf("%d threads 10 s after every connection closed, want 1", n)
	}
}

// TestMaxThreads: beyond --max-threads a connection is answered 503 and
// closed; once a thread ends, a new connection is served.
func TestMaxThreads(t *testing.T) {
	srv := start(t, model.Config{MaxThreads: 2})
	pid := serverPID(t, srv.Addr)
	settle(t, srv.Addr, pid)
	held := []*testkit.Client{testkit.Dial(t, srv.Addr), testkit.Dial(t, srv.Addr)}
	for _, c := range held {
		if r := c.Get(t, "/plaintext"); r.Status != 200 {
			t.Fatalf("GET /plaintext within the limit: %v", r)
		}
	}
	over := testkit.Dial(t, srv.Addr)
	if r, err := over.Read("GET"); err != nil || r.Status != 503 || !r.Close {
		t.Errorf("a connection beyond --max-threads 2: %v, %v; want 503 and close", r, err)
	}
	held[0].Conn.Close()
	waitThreads(t, pid, 2)
	if r := testkit.Dial(t, srv.Addr).Get(t, "/plaintext"); r.Status != 200 {
		t.Errorf("GET /plaintext once a thread ended: %v", r)
	}
}

// TestSleep: /sleep holds its answer for about its time, on its thread
// only (the same connection's next request waits, another connection's
// does not). The bounds are loose: a loaded machine runs late.
func TestSleep(t *testing.T) {
	srv := start(t, model.Config{})
	sleeper := testkit.Dial(t, srv.Addr)
	began := time.Now()
	sleeper.Send(t, testkit.Get("/sleep?ms=300"))
	if r := testkit.Dial(t, srv.Addr).Get(t, "/plaintext"); r.Status != 200 {
		t.Fatalf("GET /plaintext beside a sleep: %v", r)
	}
	if beside := time.Since(began); beside >= 300*time.Millisecond {
		t.Logf("another connection waited %v beside a 300 ms sleep (a loaded machine?)", beside)
	}
	if r := sleeper.MustRead(t, "GET"); r.Status != 200 || string(r.Body) != "slept 300 ms" {
		t.Fatalf("GET /sleep?ms=300: %v", r)
	}
	if took := time.Since(began); took < 300*time.Millisecond || took > 10*time.Second {
		t.Errorf("GET /sleep?ms=300 answered after %v", took)
	}
}

// startHelper runs the test binary as `loopbench serve --model pthread`
// (execHelper) and waits until addr accepts connections. done receives
// what cmd.Wait returns; the caller kills the process.
func startHelper(t *testing.T, addr string) (cmd *exec.Cmd, done chan error, stderr *testkit.SyncBuffer) {
	t.Helper()
	requireServer(t)
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), execHelperEnv+"="+addr)
	stderr = &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := testkit.WaitListening(addr, done); err != nil {
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
	return cmd, done, stderr
}

// TestExecAndStop runs the test binary as `loopbench serve` would: Exec
// must leave the C server itself as the process, with one thread, and
// SIGTERM must end it at once with status 0, closing an idle connection
// and dropping a request in flight.
func TestExecAndStop(t *testing.T) {
	addr := testkit.FreeAddr(t)
	cmd, done, stderr := startHelper(t, addr)
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
	if got := strings.TrimSpace(string(comm)); !strings.HasPrefix(BinaryName, got) || got == "" {
		t.Errorf("the started process is %q, want the server itself (%s)", got, BinaryName)
	}
	idle, busy := testkit.Dial(t, addr), testkit.Dial(t, addr)
	if r := idle.Get(t, "/plaintext"); r.Status != 200 {
		t.Fatalf("GET /plaintext: %v", r)
	}
	busy.Send(t, testkit.Get("/sleep?ms=20000"))
	time.Sleep(50 * time.Millisecond)
	began := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("the server exited with %v on SIGTERM; stderr:\n%s", err, stderr)
		}
	case <-time.After(stopTimeout):
		t.Fatalf("the server did not stop within %v of SIGTERM", stopTimeout)
	}
	t.Logf("stopped %v after SIGTERM", time.Since(began).Round(time.Millisecond))
	idle.ExpectClosed(t)
	busy.ExpectClosed(t)
}

// TestStartErrors: a server that cannot start says why and exits, and
// Serve returns that reason.
func TestStartErrors(t *testing.T) {
	requireServer(t)
	bin, _ := find()
	taken := startAddr(t)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string // in the standard error
	}{
		{name: "unknown-flag", args: []string{"--data", "/tmp"}, code: 2, want: "--data: unknown flag"},
		{name: "missing-value", args: []string{"--addr"}, code: 2, want: "--addr: unknown flag or missing value"},
		{name: "bad-number", args: []string{"--idle-timeout-ms", "soon"}, code: 2, want: "--idle-timeout-ms soon: want a whole number"},
		{name: "negative-threads", args: []string{"--max-threads", "-1"}, code: 2, want: "--max-threads -1"},
		{name: "not-host-port", args: []string{"--addr", "127.0.0.1"}, code: 1, want: "not HOST:PORT"},
		{name: "bad-host", args: []string{"--addr", "256.0.0.1:1"}, code: 1, want: "256.0.0.1:1"},
		{name: "address-in-use", args: []string{"--addr", taken}, code: 1, want: "bind: Address already in use"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, tt.args...)
			cmd.Stderr = &stderr
			cmd.SysProcAttr = child.SysProcAttr()
			err := runBounded(cmd)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("%s %v: %v, stderr %q; want exit %d and %q", BinaryName, tt.args, err, stderr.String(), tt.code, tt.want)
			}
		})
	}
	err := New().Serve(t.Context(), model.Config{Addr: taken})
	if err == nil || !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("Serve on a taken address returned %v, want the server's reason", err)
	}
}

// startAddr serves the model and returns its address.
func startAddr(t *testing.T) string {
	return start(t, model.Config{}).Addr
}

// runBounded runs cmd, killing it after testkit.IOTimeout.
func runBounded(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	timer := time.AfterFunc(testkit.IOTimeout, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return cmd.Wait()
}
