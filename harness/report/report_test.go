package report

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

var update = flag.Bool("update", false, "rewrite testdata (the fixture run and the golden report)")

const (
	fixtureDir = "testdata/run"
	goldenFile = "testdata/REPORT.golden.md"
)

// TestGolden renders the report of the fixture run and compares it with
// the golden file; -update rewrites both from plottest.Run.
func TestGolden(t *testing.T) {
	if *update {
		if err := results.Write(fixtureDir, plottest.Run()); err != nil {
			t.Fatal(err)
		}
	}
	run, err := results.Read(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	a := analysis.Analyze(run)
	planned, err := plot.Plan(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range planned {
		names = append(names, p.Name())
	}
	var got bytes.Buffer
	if err := Write(&got, a, Options{ImageBase: "results/" + run.ID + "/plots", Plots: names}); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(goldenFile, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("report differs from %s (rerun with -update if the change is intended):\n%s", goldenFile, diff(t, want, got.Bytes()))
	}
}

// diff shows the difference between want and got with diff -u when it is
// installed, else both texts.
func diff(t *testing.T, want, got []byte) string {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "want"), filepath.Join(dir, "got")
	os.WriteFile(a, want, 0o644)
	os.WriteFile(b, got, 0o644)
	out, err := exec.Command("diff", "-u", a, b).CombinedOutput()
	if len(out) == 0 && err != nil {
		return "want:\n" + string(want) + "\ngot:\n" + string(got)
	}
	return string(out)
}

// TestEmptyRun is an error that says why.
func TestEmptyRun(t *testing.T) {
	err := Write(&bytes.Buffer{}, analysis.Analyze(&results.Run{ID: "x"}), Options{})
	if err == nil || !strings.Contains(err.Error(), "no points") {
		t.Fatalf("Write(empty run) = %v, want an error about no points", err)
	}
}

// TestAllFailed reports a run whose every point failed: the tables say so
// and every claim is not measured.
func TestAllFailed(t *testing.T) {
	run := plottest.Run()
	for i := range run.Points {
		p := &run.Points[i]
		*p = results.Point{Workload: p.Workload, Model: p.Model, Variant: p.Variant, Mode: p.Mode, Connections: p.Connections,
			Rate: p.Rate, IdleConnections: p.IdleConnections, Rep: p.Rep, Failed: true, FailReason: "server exited"}
	}
	var b bytes.Buffer
	if err := Write(&b, analysis.Analyze(run), Options{ImageBase: "plots"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "**failed** (6/6): server exited") {
		t.Error("the tables do not show the failures")
	}
	for _, c := range analysis.Analyze(run).Claims {
		if c.Verdict != analysis.NotMeasured {
			t.Errorf("%q: %s, want %s", c.Statement, c.Verdict, analysis.NotMeasured)
		}
	}
}

// TestScorecard renders the scorecard table alone for edits of the
// fixture run and compares each with its golden file: a mark and an
// interval per reading, a heading per claim with its thresholds.
func TestScorecard(t *testing.T) {
	tests := []struct {
		name, golden string
		edit         func(p *results.Point) bool // false drops the point
	}{
		// The fixture as it is: every verdict, confirmed to inconclusive.
		{"fixture", "testdata/scorecard.golden.md", nil},
		// Without mixed, claim 3 has no reading: not measured.
		{"no mixed", "testdata/scorecard-no-mixed.golden.md", func(p *results.Point) bool { return p.Workload != "mixed" }},
		// Every point failed: every claim is not measured.
		{"all failed", "testdata/scorecard-failed.golden.md", func(p *results.Point) bool {
			*p = results.Point{Workload: p.Workload, Model: p.Model, Variant: p.Variant, Mode: p.Mode, Connections: p.Connections,
				Rate: p.Rate, IdleConnections: p.IdleConnections, Rep: p.Rep, Failed: true, FailReason: "server exited"}
			return true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := plottest.Run()
			if tt.edit != nil {
				var kept []results.Point
				for _, p := range run.Points {
					if tt.edit(&p) {
						kept = append(kept, p)
					}
				}
				run.Points = kept
			}
			var b bytes.Buffer
			if err := Write(&b, analysis.Analyze(run), Options{ImageBase: "plots"}); err != nil {
				t.Fatal(err)
			}
			got := scorecardTable(t, b.String())
			if *update {
				if err := os.WriteFile(tt.golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tt.golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("scorecard differs from %s (rerun with -update if the change is intended):\n%s", tt.golden, diff(t, want, []byte(got)))
			}
		})
	}
}

// scorecardTable cuts the scorecard's table out of a report.
func scorecardTable(t *testing.T, report string) string {
	t.Helper()
	_, rest, ok := strings.Cut(report, "## Scorecard\n")
	if !ok {
		t.Fatal("the report has no scorecard")
	}
	rest, _, _ = strings.Cut(rest, "\n## ")
	i := strings.Index(rest, "| | claim |")
	if i < 0 {
		t.Fatalf("the scorecard has no table:\n%s", rest)
	}
	return rest[i:]
}
