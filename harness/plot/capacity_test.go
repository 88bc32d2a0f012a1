package plot_test

import (
	"os"
	"path/filepath"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

// TestCapacityChart draws the latency against throughput of a run's
// capacity probes (invented): one chart per workload searched, among the
// run's files, and none for a run without searches.
func TestCapacityChart(t *testing.T) {
	run := plottest.Run()
	run.Points = run.Points[:1]
	run.Capacity = plottest.Capacity()
	dir := os.Getenv("LOOPBENCH_PLOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	files, err := plot.WriteAll(dir, analysis.Analyze(run))
	if err != nil {
		t.Fatal(err)
	}
	var found *plot.File
	for i, f := range files {
		if f.Kind == plot.KindCapacity {
			found = &files[i]
		}
	}
	if found == nil || found.Workload != "plaintext" || filepath.Base(found.PNG) != "plaintext-capacity.png" {
		t.Fatalf("no plaintext capacity chart among %+v", files)
	}
	checkPNG(t, found.PNG)
	checkSVG(t, found.SVG)

	// A second plot of the run without its searches removes the chart.
	run.Capacity = nil
	if _, err := plot.WriteAll(dir, analysis.Analyze(run)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(found.PNG); !os.IsNotExist(err) {
		t.Errorf("the chart of searches no longer in the run is still there: %v", err)
	}
}

// TestCapacityChartNoData draws nothing for searches without a probe to
// draw, and refuses objectives it cannot read.
func TestCapacityChartNoData(t *testing.T) {
	run := plottest.Run()
	run.Points = run.Points[:1]
	run.Capacity = []results.Capacity{{Workload: "plaintext", Model: "eventloop", Objectives: []string{"p99=5ms"}}}
	planned, err := plot.Plan(analysis.Analyze(run))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range planned {
		if p.Kind == plot.KindCapacity {
			t.Errorf("a capacity chart without probes")
		}
	}
	run.Capacity[0].Objectives = []string{"p99"}
	if _, err := plot.Plan(analysis.Analyze(run)); err == nil {
		t.Error("an objective that does not read gave no error")
	}
}
