package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

// fixtureRun writes the c10k workload of the synthetic fixture run (one
// level, so drawing is quick even under the race detector) as a results
// directory under root and returns its path.
func fixtureRun(t *testing.T, root string) string {
	t.Helper()
	run := plottest.Run()
	var kept []results.Point
	for _, p := range run.Points {
		if p.Workload == "c10k" {
			kept = append(kept, p)
		}
	}
	run.Points = kept
	dir := filepath.Join(root, "results", run.ID)
	if err := results.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPlot draws the charts of a results directory and prints each file.
func TestPlot(t *testing.T) {
	dir := fixtureRun(t, t.TempDir())
	stdout, stderr, code := runCmd("plot", dir)
	if code != 0 {
		t.Fatalf("plot exited %d: %s", code, stderr)
	}
	lines := strings.Fields(stdout)
	if len(lines) < 8 {
		t.Fatalf("plot printed %d files, want at least 8:\n%s", len(lines), stdout)
	}
	for _, f := range lines {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("printed %s, but it is missing or empty (%v)", f, err)
		}
	}
}

// TestResultsErrors checks that plot and report name the file and the fix
// when the directory is not a usable run.
func TestResultsErrors(t *testing.T) {
	root := t.TempDir()
	empty := filepath.Join(root, "empty")
	if err := results.Write(empty, &results.Run{ID: "empty"}); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(root, "old")
	os.MkdirAll(old, 0o755)
	os.WriteFile(filepath.Join(old, results.RunFile), []byte(`{"schema": 99}`), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		// No run.json: says which file and what to pass.
		{"missing plot", []string{"plot", root}, 1, "run.json: no results here"},
		{"missing report", []string{"report", root}, 1, "run.json: no results here"},
		// A newer or older schema: names the field.
		{"schema", []string{"plot", old}, 1, `field "schema" is 99`},
		// A run without points yet.
		{"empty", []string{"report", empty}, 1, "the run has no points yet"},
		// A directory that does not exist at all.
		{"absent", []string{"report", filepath.Join(root, "absent")}, 1, "pass a directory written by `loopbench run`"},
		// Usage mistakes exit 2.
		{"no dir", []string{"plot"}, 2, "plot takes one results directory"},
		{"three dirs", []string{"report", "a", "b", "c"}, 2, "report takes one results directory, or two to set side by side (RUN_A RUN_B); got 3: a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCmd(tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
			}
		})
	}
}
