package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers"
	"loopbench/servers/model"
)

// fakeModel records the configuration it was given and serves until asked
// to stop; stubborn ignores the request until release is closed.
type fakeModel struct {
	cfg      model.Config
	started  chan struct{}
	stubborn bool
	release  chan struct{}
	err      error // returned at once, if set
}

func (m *fakeModel) Serve(ctx context.Context, cfg model.Config) error {
	m.cfg = cfg
	close(m.started)
	if m.err != nil {
		return m.err
	}
	if m.stubborn {
		<-m.release
	} else {
		<-ctx.Done()
	}
	return model.ErrServerClosed
}

// fakeExecer is a model served by another program.
type fakeExecer struct {
	fakeModel
	execed bool
}

func (m *fakeExecer) Exec(cfg model.Config) error {
	m.cfg, m.execed = cfg, true
	return nil
}

// useModel makes serve find m under the name "fake" and hands the test the
// cancel function that stands in for SIGTERM.
func useModel(t *testing.T, m model.Model, check func() error) context.CancelFunc {
	t.Helper()
	oldLookup, oldSignal := lookupModel, signalContext
	t.Cleanup(func() { lookupModel, signalContext = oldLookup, oldSignal })
	lookupModel = func(name string) (servers.Entry, error) {
		if name != "fake" {
			return oldLookup(name)
		}
		return servers.Entry{Name: "fake", New: func() model.Model { return m }, Check: check}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	signalContext = func() (context.Context, context.CancelFunc) { return ctx, func() {} }
	t.Cleanup(cancel)
	return cancel
}

// serveAsync runs `loopbench serve` in the background.
func serveAsync(args ...string) (wait func() (string, int)) {
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- exitCode(run(append([]string{"serve"}, args...), &bytes.Buffer{}, &stderr), &stderr) }()
	return func() (string, int) {
		select {
		case code := <-done:
			return stderr.String(), code
		case <-time.After(30 * time.Second):
			return "serve did not return in 30 s", -1
		}
	}
}

// TestServe checks that every flag reaches the model, that the listening
// line is printed and that a signal stops the model with exit status 0.
func TestServe(t *testing.T) {
	m := &fakeModel{started: make(chan struct{})}
	stop := useModel(t, m, nil)
	data, stats := t.TempDir(), filepath.Join(t.TempDir(), "stats.json")
	wait := serveAsync("--model", "fake", "--addr", "127.0.0.1:0", "--data", data, "--backend", "127.0.0.1:9",
		"--pool", "3", "--loops", "2", "--cpu-offload", "--max-threads", "100", "--stats-file", stats,
		"--head-timeout", "3s", "--idle-timeout", "1m", "--max-unsent", "1000")
	<-m.started
	stop()
	stderr, code := wait()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := model.Config{Addr: "127.0.0.1:0", DataDir: data, Backend: "127.0.0.1:9", Pool: 3, Loops: 2, CPUOffload: true, MaxThreads: 100, StatsFile: stats,
		HeadTimeout: 3 * time.Second, IdleTimeout: time.Minute, MaxUnsent: 1000}
	if m.cfg != want {
		t.Errorf("model got %+v; want %+v", m.cfg, want)
	}
	if !app.HasDataFiles(data) {
		t.Error("the data files were not written into --data")
	}
	if !strings.Contains(stderr, "model fake listening on 127.0.0.1:0 (data "+data+", backend 127.0.0.1:9; head timeout 3s, idle timeout 1m0s, max unsent 1000 bytes)") {
		t.Errorf("stderr %q lacks the listening line", stderr)
	}
}

// TestServeDefaultData checks that without --data the files land under the
// temporary directory.
func TestServeDefaultData(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	m := &fakeModel{started: make(chan struct{})}
	stop := useModel(t, m, nil)
	wait := serveAsync("--model", "fake")
	<-m.started
	stop()
	if stderr, code := wait(); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if m.cfg.DataDir != defaultDataDir() || !app.HasDataFiles(m.cfg.DataDir) || m.cfg.Addr != "127.0.0.1:8080" {
		t.Errorf("model got data %q, addr %q; want the data files in %s and 127.0.0.1:8080", m.cfg.DataDir, m.cfg.Addr, defaultDataDir())
	}
}

// TestServeFailures checks the ways a model can fail to serve.
func TestServeFailures(t *testing.T) {
	tests := []struct {
		name  string
		model *fakeModel
		check func() error
		stop  bool
		args  []string
		want  string
	}{
		// A model whose Serve is not implemented on this platform.
		{"unsupported", &fakeModel{err: errors.ErrUnsupported}, nil, false, nil, "model fake is not supported here"},
		// A model that fails on its own, a busy port say.
		{"failure", &fakeModel{err: errors.New("bind: address already in use")}, nil, false, nil, "model fake: bind: address already in use"},
		// A model that stops without a signal.
		{"early stop", &fakeModel{err: model.ErrServerClosed}, nil, false, nil, "stopped without being asked to"},
		// A model that cannot run here is not started.
		{"unavailable", &fakeModel{}, func() error { return errors.New("fake-server not found in PATH") }, false, nil, "cannot run on this host: fake-server not found in PATH"},
		// A model that does not stop within the bound.
		{"stubborn", &fakeModel{stubborn: true, release: make(chan struct{})}, nil, true, []string{"--shutdown-timeout", "50ms"}, "did not stop within --shutdown-timeout 50ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.model.started = make(chan struct{})
			stop := useModel(t, tt.model, tt.check)
			wait := serveAsync(append([]string{"--model", "fake", "--data", t.TempDir()}, tt.args...)...)
			if tt.stop {
				<-tt.model.started
				stop()
			}
			stderr, code := wait()
			if tt.model.release != nil {
				close(tt.model.release)
			}
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, tt.want)
			}
		})
	}
}

// TestServeExec checks that a model served by another program is handed
// the configuration through Exec instead of Serve.
func TestServeExec(t *testing.T) {
	m := &fakeExecer{fakeModel: fakeModel{started: make(chan struct{})}}
	useModel(t, m, nil)
	stderr, code := serveAsync("--model", "fake", "--data", t.TempDir(), "--loops", "2")()
	if code != 0 || !m.execed || m.cfg.Loops != 2 {
		t.Fatalf("exit %d (%s), exec %v with %+v; want Exec with --loops 2", code, stderr, m.execed, m.cfg)
	}
}

// TestServeLoopsPerCPU checks that --loops 0 asks the model for one loop
// per CPU this process may run on, and that no --loops asks for one.
func TestServeLoopsPerCPU(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int // Config.Loops
	}{{[]string{"--loops", "0"}, model.LoopsPerCPU}, {nil, 1}} {
		m := &fakeExecer{fakeModel: fakeModel{started: make(chan struct{})}}
		useModel(t, m, nil)
		stderr, code := serveAsync(append([]string{"--model", "fake", "--data", t.TempDir()}, tt.args...)...)()
		if code != 0 || m.cfg.Loops != tt.want {
			t.Fatalf("%q: exit %d (%s), Loops %d; want %d", tt.args, code, stderr, m.cfg.Loops, tt.want)
		}
	}
	if n := (model.Config{Loops: model.LoopsPerCPU}).LoopCount(); n != runtime.NumCPU() {
		t.Errorf("LoopCount per CPU = %d, want runtime.NumCPU() = %d", n, runtime.NumCPU())
	}
}

// TestServeModels runs `loopbench serve` with the models that serve
// in-process, asks each for /plaintext over a real socket and stops it as
// SIGTERM would: the wiring from the command line to a real model.
func TestServeModels(t *testing.T) {
	for _, name := range []string{"threaded", "fasthttp", "eventloop"} {
		t.Run(name, func(t *testing.T) {
			stop := useModel(t, nil, nil)
			addr := freeAddr(t)
			wait := serveAsync("--model", name, "--addr", addr, "--data", t.TempDir())
			body, err := getPlaintext(addr)
			stop()
			stderr, code := wait()
			if strings.Contains(stderr, "not supported here") {
				t.Skipf("model %s: %s", name, stderr)
			}
			if err != nil || body != "Hello, World!" || code != 0 {
				t.Fatalf("GET /plaintext: %q, %v; exit %d: %s", body, err, code, stderr)
			}
		})
	}
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// getPlaintext asks addr for /plaintext, retrying while the server starts.
func getPlaintext(addr string) (string, error) {
	var c net.Conn
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
	}
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := io.ReadAll(c)
	_, body, _ := strings.Cut(string(resp), "\r\n\r\n")
	return body, err
}
