package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"loopbench/harness/results"
)

// TestRunHelp checks run's help against its golden file.
func TestRunHelp(t *testing.T) {
	_, stderr, code := runCmd("run", "--help")
	if code != 0 {
		t.Errorf("exit status %d; want 0", code)
	}
	golden(t, "run-help.golden", stderr)
}

// TestRunUsageErrors checks that run's command-line mistakes exit 2 naming
// the flag and listing the valid values.
func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		// An unknown model lists the models.
		{[]string{"run", "--models", "threaded,nginx"}, []string{"--models", `unknown model "nginx"`, "fasthttp"}},
		// An unknown variant lists the model's variants.
		{[]string{"run", "--models", "eventloop/io_uring"}, []string{"--models", `no variant "io_uring"`, "default, cpu-offload", "io-uring", "MODEL/VARIANT"}},
		// An unknown workload lists the workloads.
		{[]string{"run", "--workloads", "../../workloads", "--workload", "nope"}, []string{"--workload", `"nope"`, "plaintext", "c10k"}},
		// A bad CPU list.
		{[]string{"run", "--workloads", "../../workloads", "--workload", "plaintext", "--server-cpus", "x"}, []string{"--server-cpus", `"x"`}},
		// Negative repetitions.
		{[]string{"run", "--reps", "-1"}, []string{"--reps"}},
		// A stray argument.
		{[]string{"run", "plaintext"}, []string{`unexpected argument "plaintext"`, "--workload"}},
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr %q", tt.args, code, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q lacks %q", tt.args, stderr, w)
			}
		}
	}
}

// TestRunQuickEndToEnd builds loopbench and runs `run --quick` of two models
// on the plaintext workload, as `make bench-quick` does, then reads the
// results back.
func TestRunQuickEndToEnd(t *testing.T) {
	bin := buildLoopbench(t)
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command(bin, "run", "--quick", "--workloads", "../../workloads", "--workload", "plaintext",
		"--models", "threaded,fasthttp", "--duration", "1s", "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Logf("run --quick of 2 models took %v", time.Since(start).Round(time.Millisecond))
	run, err := results.Read(filepath.Join(out, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Points) != 2 || !run.Quick || run.Finished.IsZero() {
		t.Fatalf("results: %d points, quick %v, finished %v; want 2 points of a finished quick run", len(run.Points), run.Quick, run.Finished)
	}
	if !reflect.DeepEqual(run.Models, modelTable()) {
		t.Errorf("the run recorded the model table %+v, want the registry's %+v", run.Models, modelTable())
	}
	failed := 0
	for _, p := range run.Points {
		if p.Failed {
			failed++
			t.Logf("%s failed: %s\n%s", p.Model, p.FailReason, p.Stderr)
		}
	}
	if failed == len(run.Points) && strings.Contains(stderr.String(), "unsupported") {
		t.Skip("neither model serves yet (their Serve returns errors.ErrUnsupported)")
	}
	if failed > 0 {
		t.Errorf("%d of %d points failed", failed, len(run.Points))
	}
	for _, want := range []string{"plaintext", "threaded", "fasthttp", "req/s", "results: "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, want := range []string{"plan: 2 points", "[1/2] plaintext", "[2/2] plaintext"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(out, "latest", results.CSVFile)); err != nil {
		t.Error(err)
	}
}

// buildLoopbench returns the loopbench binary for the tests that run it as
// a program: the one LOOPBENCH_TEST_BIN names (`make test` builds it once
// from the same tree for every package's tests), else one built for this
// test process on its first use and shared by its tests.
func buildLoopbench(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs servers; skipped with -short")
	}
	if bin := os.Getenv("LOOPBENCH_TEST_BIN"); bin != "" {
		return bin
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "loopbench-test-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.dir, built.bin = dir, filepath.Join(dir, "loopbench")
		if out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// TestMain runs the tests and removes the binary they shared.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the binary buildLoopbench made for this test process; TestMain
// removes it.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// TestRunServerKilled kills a real model's server in the middle of its
// point: the point is recorded as failed with the reason, and the run goes
// on to the next model.
func TestRunServerKilled(t *testing.T) {
	bin := buildLoopbench(t)
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command(bin, "run", "--quick", "--workloads", "../../workloads", "--workload", "plaintext",
		"--models", "threaded,fasthttp", "--duration", "3s", "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	victim := waitForChild(t, cmd.Process.Pid, "serve --model threaded")
	time.Sleep(time.Second) // into the measured interval
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	run, err := results.Read(filepath.Join(out, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Points) != 2 {
		t.Fatalf("%d points, want 2", len(run.Points))
	}
	if p := run.Points[0]; !p.Failed || !strings.Contains(p.FailReason, "killed") {
		t.Errorf("killed threaded point: failed %v, reason %q", p.Failed, p.FailReason)
	}
	if p := run.Points[1]; p.Model != "fasthttp" || (p.Failed && !strings.Contains(p.Stderr, "unsupported")) {
		t.Errorf("the run did not go on to fasthttp: %+v", p)
	}
	if !strings.Contains(stdout.String(), "FAILED") {
		t.Errorf("the summary does not mark the failure:\n%s", stdout.String())
	}
}

// waitForChild finds the child of pid whose command line contains want.
func waitForChild(t *testing.T, pid int, want string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
		for _, f := range tasks {
			b, _ := os.ReadFile(f)
			for _, c := range strings.Fields(string(b)) {
				cmdline, _ := os.ReadFile("/proc/" + c + "/cmdline")
				if strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), want) {
					n, _ := strconv.Atoi(c)
					return n
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no child of %d runs %q", pid, want)
	return 0
}
