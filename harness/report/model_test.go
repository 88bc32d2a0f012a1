package report

import (
	"bytes"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

// TestModelAddedToTable records a model table with a made-up event-loop
// model in the run, gives it eventloop's figures, and finds it where one
// row of the table must be enough to put it: in a chart's legend in its
// own colour, in a workload's table, and in the claims of the event-loop
// side.
func TestModelAddedToTable(t *testing.T) {
	fake := results.Model{Name: "fakeloop", Description: "a made-up event loop",
		Roles: []string{results.RoleEventLoop}, Style: results.Style{Color: "#123456", Marker: "diamond"}}
	run := plottest.Run()
	run.Models = append(run.ModelTable(), fake)
	for _, p := range run.Points {
		if p.Model == "eventloop" {
			p.Model = fake.Name
			run.Points = append(run.Points, p)
		}
	}
	a := analysis.Analyze(run)

	svg := chartSVG(t, a, "wait-sleep-"+plot.KindThroughput)
	for _, want := range []string{">fakeloop<", fake.Style.Color} {
		if !strings.Contains(svg, want) {
			t.Errorf("the wait-sleep throughput chart lacks %q", want)
		}
	}

	var b bytes.Buffer
	if err := Write(&b, a, Options{ImageBase: "plots"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n| fakeloop | 256 |", // a row of the wait-sleep table
		"eventloop (the homemade libuv), node (the real one) and fakeloop",                            // the claims' introduction
		"For each event-loop model (eventloop, node and fakeloop) against each thread per connection", // claim 1's rule
		"wait-sleep: fakeloop kept up at every count",                                                 // one of claim 2's readings
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// chartSVG draws the chart called name of a run's analysis as SVG.
func chartSVG(t *testing.T, a *analysis.Analysis, name string) string {
	t.Helper()
	planned, err := plot.Plan(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range planned {
		if p.Name() == name {
			b, err := p.Chart.Bytes("svg")
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("no chart %s", name)
	return ""
}
