package node

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// workers lists the worker processes of the cluster whose primary is pid.
func workers(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(field); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// gone reports whether no process pid exists (a zombie still does).
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// TestClusterStops runs node's cluster with two workers: both answer, a
// SIGTERM to the primary stops every worker before the primary exits
// cleanly (one still running would make it exit 1 after killing it), and
// the stats file holds the loop lag of both workers.
func TestClusterStops(t *testing.T) {
	stats := filepath.Join(t.TempDir(), "stats.json")
	srv := start(t, model.Config{Loops: 2, StatsFile: stats})
	primary := childNode(t, srv.Addr)
	ws := workers(t, primary)
	if len(ws) != 2 {
		t.Fatalf("the primary %d has children %v, want two workers", primary, ws)
	}
	for range 4 {
		if r, err := get(srv.Addr, "/cpu?iter=1000"); err != nil || r.Status != 200 {
			t.Fatalf("/cpu: %v %v", r, err)
		}
	}
	srv.Stop(t)
	for _, w := range append(ws, primary) {
		if !gone(w) {
			t.Errorf("process %d of the cluster still exists after Serve returned", w)
		}
	}
	s, ok, err := model.ReadStats(stats)
	if err != nil || !ok || s.Loops != 2 || s.LoopLag.P50 > s.LoopLag.P99 || s.LoopLag.P99 > s.LoopLag.Max {
		t.Errorf("stats file: %+v, ok %v, %v; want the lag of 2 workers", s, ok, err)
	}
	if left, _ := filepath.Glob(stats + ".worker*"); len(left) > 0 {
		t.Errorf("the workers' stats files were left behind: %v", left)
	}
}

// TestClusterWorkerDies kills one worker: the cluster stops, and Serve
// says so, rather than serving on with fewer workers than it names.
func TestClusterWorkerDies(t *testing.T) {
	requireNode(t)
	cfg := model.Config{Addr: testkit.FreeAddr(t), DataDir: testkit.DataDir(t), Loops: model.LoopsPerCPU}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- (&Model{Stderr: io.Discard}).Serve(ctx, cfg) }()
	if err := testkit.WaitListening(cfg.Addr, served); err != nil {
		t.Fatal(err)
	}
	primary := childNode(t, cfg.Addr)
	ws := workers(t, primary)
	if len(ws) != cfg.LoopCount() {
		t.Fatalf("the primary has children %v, want one worker per CPU (%d)", ws, cfg.LoopCount())
	}
	syscall.Kill(ws[0], syscall.SIGKILL)
	err := <-served
	if err == nil || !strings.Contains(err.Error(), "exited unasked") {
		t.Errorf("Serve returned %v, want node's exit with the worker's", err)
	}
	for _, w := range append(ws, primary) {
		if !gone(w) {
			t.Errorf("process %d of the cluster still exists after Serve returned", w)
		}
	}
}

// TestWorkersFlag wants node's cluster for more than one loop or one loop
// per CPU (even a single CPU's one worker, so that the variant measured at
// one CPU is the variant measured at two), and none otherwise.
func TestWorkersFlag(t *testing.T) {
	tests := []struct {
		loops int
		want  string // the flag, "" for none
	}{
		{0, ""}, // the default: one process
		{1, ""}, // one loop: the same
		{2, "--workers 2"},
		{model.LoopsPerCPU, "--workers " + strconv.Itoa(runtime.NumCPU())},
	}
	for _, tt := range tests {
		args, err := argv(model.Config{Addr: "127.0.0.1:1", Loops: tt.loops})
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Join(args[3:], " ") // after node, -e and the script
		_, got, _ := strings.Cut(line, "--workers ")
		if tt.want == "" && got != "" || tt.want != "" && !strings.HasSuffix(line, tt.want) {
			t.Errorf("Loops %d: node's flags %q, want %q", tt.loops, line, tt.want)
		}
	}
}

// TestMergeStats runs cluster.js's mergeStats on two workers' stats files:
// each lag figure is the larger, the workers are counted, their files are
// removed, and readings kept with their times merge into one list in time
// order, their drops added.
func TestMergeStats(t *testing.T) {
	requireNode(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "stats.json")
	perWorker := []string{
		`{"loop_lag":{"p50_ms":1,"p99_ms":9,"max_ms":20},"lag_readings":{"interval_ms":10,"start_unix_ms":1000,"at_ms":[0,20],"late_us":[5,7],"dropped":2}}`,
		`{"loop_lag":{"p50_ms":2,"p99_ms":4,"max_ms":30},"lag_readings":{"interval_ms":10,"start_unix_ms":1005,"at_ms":[0,10],"late_us":[6,8]}}`,
	}
	var files []string
	for i, w := range perWorker {
		f := filepath.Join(dir, "stats.json.worker"+strconv.Itoa(i))
		if err := os.WriteFile(f, []byte(w), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, `"`+f+`"`)
	}
	prog := "const fs = require('fs');\n" + clusterJS + "\nmergeStats(\"" + out + "\", [" + strings.Join(files, ", ") + "]);"
	if b, err := exec.Command("node", "-e", prog).CombinedOutput(); err != nil {
		t.Fatalf("node: %v: %s", err, b)
	}
	s, ok, err := model.ReadStats(out)
	if err != nil || !ok {
		t.Fatalf("merged stats: ok %v, %v", ok, err)
	}
	if want := (model.LoopLag{P50: 2, P99: 9, Max: 30}); s.LoopLag != want || s.Loops != 2 {
		t.Errorf("merged lag %+v of %d loops, want %+v of 2", s.LoopLag, s.Loops, want)
	}
	b, _ := os.ReadFile(out)
	if want := `"lag_readings":{"interval_ms":10,"start_unix_ms":1000,"at_ms":[0,5,15,20],"late_us":[5,6,8,7],"dropped":2}`; !strings.Contains(string(b), want) {
		t.Errorf("merged file %s lacks %s", b, want)
	}
	if left, _ := filepath.Glob(out + ".worker*"); len(left) > 0 {
		t.Errorf("workers' files left: %v", left)
	}
}
