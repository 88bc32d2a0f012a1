package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/results"
)

func TestABUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "--base is required"},
		{[]string{"--calibrate", "--base", "HEAD"}, "drop --base"},
		{[]string{"--calibrate", "--inject-cpu", "3us"}, "takes no --inject-cpu"},
		{[]string{"--base", "HEAD", "--reps", "3"}, "too few"},
		{[]string{"--base", "HEAD", "extra"}, "unexpected argument"},
		{[]string{"--base", "no-such-revision-or-file"}, "neither a loopbench binary nor a git revision"},
		{[]string{"--base", "HEAD", "--threshold", "x"}, "--threshold"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(append([]string{"ab"}, c.args...), &stdout, &stderr)
			if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), c.want)
			}
		})
	}
}

// TestABTwoBuildsOfOneSource runs ab between two binaries built from the
// same source, on one model and short points: no regression (exit 0), and
// with 50 µs of injected CPU per request on the head, a regression of CPU
// per request (exit 1) that names it. CPU per request alone, over six
// pairs: six agreeing pairs (p = 2/64) are enough for one row, and a
// point left partial by a busy host is replaced by another block. The threshold is wide, so that this
// noisy machine's swings do not decide the first case; 50 µs is many times
// plaintext's own cost, so the second never escapes.
func TestABTwoBuildsOfOneSource(t *testing.T) {
	bin := buildLoopbench(t)
	other := filepath.Join(t.TempDir(), "loopbench-copy")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		extra []string
		exit  int
		want  []string
	}{
		{"same source", nil, 0, []string{"0 regressions"}},
		{"head slowed by 50us a request", []string{"--inject-cpu", "50us"}, 1, []string{"regressions of the head against the base:", "plaintext eventloop cpu at c=64 +"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "ab")
			args := append([]string{"ab", "--base", bin, "--head", other, "--workloads", defaultOnly(t, "plaintext"), "--workload", "plaintext",
				"--models", "eventloop", "--reps", "6", "--duration", "400ms", "--threshold", "50%", "--metric", "cpu", "--out", out}, c.extra...)
			cmd := exec.Command(bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			all := stdout.String() + stderr.String()
			if code != c.exit {
				t.Fatalf("exit %d, want %d:\n%s", code, c.exit, all)
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, side := range []string{"base", "head"} {
				run, err := results.Read(filepath.Join(out, "latest", side))
				if err != nil {
					t.Fatal(err)
				}
				if len(run.Points) < 6 || run.Points[0].Side != side {
					t.Errorf("%s: %d points of side %q, want 6 or more (replacement blocks) of %s", side, len(run.Points), run.Points[0].Side, side)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "latest", "compare.md")); err != nil {
				t.Error(err)
			}
		})
	}
}
