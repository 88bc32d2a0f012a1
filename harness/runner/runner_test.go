package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/harness/analysis"
	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeEnv) == "1" {
		os.Exit(fakeMain(os.Args[1:]))
	}
	goleak.VerifyTestMain(m)
}

// testWorkload writes and loads a small closed-loop workload.
func testWorkload(t *testing.T, extra string) *workload.Workload {
	t.Helper()
	src := `name = "w"
description = "runner test"
mode = "closed"
duration = "1500ms"
warmup = "0s"
repetitions = 2
models = "all"

[[mix]]
target = "/plaintext"
weight = 1

[closed]
connections = [2]
` + extra
	path := filepath.Join(t.TempDir(), "w.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := workload.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func testConfig(t *testing.T, w *workload.Workload, models ...string) Config {
	t.Setenv(fakeEnv, "1")
	cfg := Config{Binary: os.Args[0], Workloads: []*workload.Workload{w}, Out: t.TempDir(), Load: httpLoad}
	for _, m := range models {
		cfg.Models = append(cfg.Models, Model{Name: m})
	}
	return cfg
}

// TestRunFailures runs a good server, one that crashes mid-point, one that
// stops answering and one that cannot start: the failures are recorded with
// the server's output and the run goes on; the results read back from disk.
func TestRunFailures(t *testing.T) {
	cfg := testConfig(t, testWorkload(t, "[server]\nbackend = true\n"), modelGood, modelCrashy, modelBroken, modelMute)
	cfg.Models = append(cfg.Models, Model{Name: "node", Unavailable: os.ErrNotExist})
	var log bytes.Buffer
	cfg.Log = &log
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.answerTimeout = time.Second
	if p := r.Plan(); p.Points != 8 || len(p.Steps) != 8 || len(p.Skipped) != 1 {
		t.Fatalf("plan: %d points, %d steps, skipped %v; want 8, 8, node", p.Points, len(p.Steps), p.Skipped)
	}
	run, dir, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	back, err := results.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Points) != 8 || back.Finished.IsZero() || back.Interrupted {
		t.Fatalf("read back %d points, finished %v, interrupted %v; want 8 points of a finished run", len(back.Points), back.Finished, back.Interrupted)
	}
	for _, p := range back.Points {
		checkPoint(t, &p)
	}
	if link, err := filepath.EvalSymlinks(filepath.Join(cfg.Out, "latest")); err != nil || filepath.Base(link) != run.ID {
		t.Errorf("latest: %q %v, want the run %s", link, err, run.ID)
	}
	if _, err := os.Stat(filepath.Join(dir, results.CSVFile)); err != nil {
		t.Error(err)
	}
	if !strings.Contains(strings.Join(back.Env.Notes, "\n"), "node skipped") || back.Env.ServerCPUs == "" {
		t.Errorf("env: notes %q, server CPUs %q", back.Env.Notes, back.Env.ServerCPUs)
	}
	var sum bytes.Buffer
	Summary(&sum, analysis.Analyze(back))
	for _, want := range []string{"good", "FAILED", "c=2", "req/s"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
}

// checkPoint checks one point of TestRunFailures by its model.
func checkPoint(t *testing.T, p *results.Point) {
	t.Helper()
	switch p.Model {
	case modelGood:
		if p.Failed || p.Requests == 0 || p.Server.PeakRSS == 0 || p.Server.Threads == 0 || len(p.Samples) == 0 || p.CPUPerRequest <= 0 {
			t.Errorf("good point: %+v", p)
		}
		checkGoodLag(t, p)
	case modelCrashy:
		if !p.Failed || !strings.Contains(p.FailReason, "exit status 3") || !strings.Contains(p.Stderr, "about to crash") {
			t.Errorf("crashy point rep %d: failed %v, reason %q, stderr %q", p.Rep, p.Failed, p.FailReason, p.Stderr)
		}
	case modelMute:
		if !p.Failed || !strings.Contains(p.FailReason, "stopped answering") {
			t.Errorf("mute point rep %d: failed %v, reason %q", p.Rep, p.Failed, p.FailReason)
		}
	case modelBroken:
		if !p.Failed || !strings.Contains(p.Stderr, "unsupported") {
			t.Errorf("broken point rep %d: failed %v, reason %q, stderr %q", p.Rep, p.Failed, p.FailReason, p.Stderr)
		}
	default:
		t.Errorf("unexpected model %q", p.Model)
	}
}

// checkGoodLag checks that a good point's loop lag is over its window
// alone, without the stalls its server saw before and after, and records
// the backend the server used.
func checkGoodLag(t *testing.T, p *results.Point) {
	t.Helper()
	if p.Backend != fakeIOBackend {
		t.Errorf("good point: backend %q, want %q", p.Backend, fakeIOBackend)
	}
	l := p.LoopLag
	if l == nil {
		t.Fatalf("good point: no loop lag")
	}
	// One reading every 10 ms, one more for each edge of the window.
	most := int(p.Duration*100) + 2
	if got := (results.LoopLag{P50: l.P50, P99: l.P99, Max: l.Max}); got != fakeServingLag || l.Samples < 1 || l.Samples > most {
		t.Errorf("good point: loop lag %+v over a %.2f s window, want %+v of 1 to %d readings", *l, p.Duration, fakeServingLag, most)
	}
}

// TestRunInterrupted cancels the run during its first point: the run is
// marked interrupted, the unfinished point is dropped and no child is left.
func TestRunInterrupted(t *testing.T) {
	cfg := testConfig(t, testWorkload(t, ""), modelGood)
	ctx, cancel := context.WithCancel(context.Background())
	load := cfg.Load
	cfg.Load = func(c context.Context, req LoadRequest, p *results.Point) error {
		time.AfterFunc(300*time.Millisecond, cancel)
		return load(c, req, p)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run, dir, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted || len(run.Points) != 0 {
		t.Errorf("interrupted %v with %d points; want interrupted with none", run.Interrupted, len(run.Points))
	}
	if back, err := results.Read(dir); err != nil || !back.Interrupted {
		t.Errorf("read back: %v", err)
	}
	if kids := children(t); kids != "" {
		t.Errorf("children left running: %s", kids)
	}
}

// children lists this process's child PIDs.
func children(t *testing.T) string {
	tasks, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		kids = append(kids, strings.Fields(string(b))...)
	}
	return strings.Join(kids, " ")
}

func TestDefaultCPUs(t *testing.T) {
	tests := []struct {
		all, server, client string
	}{
		{"0-1", "1", "0"},     // the 2-core reference host
		{"0", "0", "0"},       // one CPU: shared
		{"0-3", "2-3", "0-1"}, // halves
		{"0-2", "1-2", "0"},   // the server gets the odd one
	}
	for _, tt := range tests {
		all, _ := proc.ParseCPUs(tt.all)
		s, c := defaultCPUs(all)
		if s.String() != tt.server || c.String() != tt.client {
			t.Errorf("defaultCPUs(%s) = %s, %s; want %s, %s", tt.all, s, c, tt.server, tt.client)
		}
	}
}
