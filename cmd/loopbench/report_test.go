package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"loopbench/harness/results"
)

// TestReport writes REPORT.md at a repository root from results/latest, a
// symbolic link, and checks that every image link names the run's own
// directory and points at a file.
func TestReport(t *testing.T) {
	root := t.TempDir()
	dir := fixtureRun(t, root)
	if _, stderr, code := runCmd("plot", dir); code != 0 {
		t.Fatalf("plot: %s", stderr)
	}
	latest := filepath.Join(root, "results", "latest")
	if err := results.Link(latest, dir); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "REPORT.md")
	stdout, stderr, code := runCmd("report", latest, "--out", out)
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	if strings.TrimSpace(stdout) != out {
		t.Errorf("report printed %q, want the path %s", stdout, out)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(string(b), -1)
	if len(links) < 10 {
		t.Fatalf("REPORT.md has %d links, want the charts", len(links))
	}
	prefix := "results/" + filepath.Base(dir) + "/plots/"
	for _, l := range links {
		if !strings.HasPrefix(l[1], prefix) {
			t.Errorf("link %s does not start with %s", l[1], prefix)
		}
		if _, err := os.Stat(filepath.Join(root, l[1])); err != nil {
			t.Errorf("link %s: %v", l[1], err)
		}
	}
}

// TestReportDefaultOut writes into the results directory with links
// relative to it, and to stdout with "-".
func TestReportDefaultOut(t *testing.T) {
	dir := fixtureRun(t, t.TempDir())
	_, stderr, code := runCmd("report", dir)
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "no charts in") {
		t.Errorf("stderr %q does not warn that the charts are missing", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "REPORT.md")); err != nil {
		t.Error(err)
	}
	stdout, _, code := runCmd("report", "--out", "-", dir)
	if code != 0 || !strings.HasPrefix(stdout, "# loopbench report") {
		t.Errorf("report --out - exited %d, printed %.40q", code, stdout)
	}
}
