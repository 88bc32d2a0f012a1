package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"loopbench/harness/plot/plottest"
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

// TestReportTwo writes one report of two runs, by default into the second
// run's directory, and refuses a run without points by naming its file.
func TestReportTwo(t *testing.T) {
	root := t.TempDir()
	a := fixtureRun(t, root)
	run, err := results.Read(a)
	if err != nil {
		t.Fatal(err)
	}
	run.ID = "20260105T060708Z-server-vm"
	run.Env.Hosts = []results.Host{{Role: "server", Name: "10.0.0.5", Hostname: "server-vm", CPUModel: "AMD EPYC 7B13", Cores: 8},
		{Role: "client", Name: "local", Hostname: "fixture", CPUModel: "Synthetic CPU @ 2.0GHz", Cores: 2}}
	b := filepath.Join(root, "results", run.ID)
	if err := results.Write(b, run); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCmd("report", a, b)
	want := filepath.Join(b, "REPORT-vs-"+filepath.Base(a)+".md")
	if code != 0 || strings.TrimSpace(stdout) != want {
		t.Fatalf("report A B exited %d, printed %q (want %s): %s", code, stdout, want, stderr)
	}
	text, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"# loopbench report: A on fixture, B on 10.0.0.5 (server-vm)", "## Which host ran which run",
		"| | A: server and load generator | B: server | B: load generator |", "| **B** | `20260105T060708Z-server-vm` | servers on 10.0.0.5 (server-vm); load from local (fixture) |"} {
		if !strings.Contains(string(text), s) {
			t.Errorf("the report lacks %q", s)
		}
	}
	empty := filepath.Join(root, "empty")
	if err := results.Write(empty, &results.Run{ID: "empty"}); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCmd("report", a, empty); code != 1 || !strings.Contains(stderr, filepath.Join(empty, "run.json")+": the run has no points yet") {
		t.Errorf("report A EMPTY exited %d: %s; want 1 naming %s", code, stderr, filepath.Join(empty, "run.json"))
	}
	if _, stderr, code := runCmd("report", a, a); code != 2 || !strings.Contains(stderr, "are the same run") {
		t.Errorf("report A A exited %d: %s; want 2, the same run", code, stderr)
	}
}

// TestReportTorture adds the newest torture run beside the run to its
// report, leaves it out with --torture none, and names a directory that
// holds none.
func TestReportTorture(t *testing.T) {
	dir := fixtureRun(t, t.TempDir())
	root := filepath.Dir(dir)
	for _, name := range []string{"torture-20260101T000000Z", "torture-20260102T000000Z"} {
		os.MkdirAll(filepath.Join(root, name), 0o755)
		os.WriteFile(filepath.Join(root, name, "torture.md"), []byte("# Torture\n\n| model | scenario |\n|---|---|\n| "+name+" | slowloris |\n"), 0o644)
	}
	cases := []struct {
		args []string
		code int
		want string
		not  string
	}{
		{[]string{"report", "--out", "-", dir}, 0, "| torture-20260102T000000Z | slowloris |", "# Torture"},
		{[]string{"report", "--out", "-", "--torture", "none", dir}, 0, "# loopbench report", "## Hostile clients"},
		{[]string{"report", "--out", "-", "--torture", root, dir}, 1, "torture.md", ""},
	}
	for _, c := range cases {
		stdout, stderr, code := runCmd(c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) || (c.not != "" && strings.Contains(stdout, c.not)) {
			t.Errorf("%v: exit %d, want %d with %q and without %q:\n%s%s", c.args, code, c.code, c.want, c.not, stdout, stderr)
		}
	}
}

// TestReportPooled reads two runs of one machine together: the report says
// how often one run's median fell inside the other's interval and which
// verdicts moved, and refuses a single run.
func TestReportPooled(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for i, dir := range []string{a, b} {
		run := plottest.Run()
		run.ID = fmt.Sprintf("run-%d", i)
		for j := range run.Points {
			if p := &run.Points[j]; i == 1 && p.Model == "eventloop" && p.Workload == "plaintext" {
				p.CPUPerRequest *= 1.2
			}
		}
		if err := results.Write(dir, run); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code := runCmd("report", "--pool", a, b, "--out", "-")
	if code != 0 {
		t.Fatalf("report --pool exited %d: %s", code, stderr)
	}
	for _, want := range []string{"## Across runs", "runs `run-0`, `run-1`", "fell inside another run's 95% interval", "between-run standard deviation", "over 2 runs"} {
		if !strings.Contains(out, want) {
			t.Errorf("the pooled report lacks %q", want)
		}
	}
	if _, stderr, code := runCmd("report", "--pool", a); code != 2 || !strings.Contains(stderr, "two or more") {
		t.Errorf("one run pooled: exit %d, %q", code, stderr)
	}
}
