package report

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"
	"testing"

	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
	"loopbench/servers"
)

// TestModelAddedToTable adds a made-up event-loop model to the model table,
// gives it eventloop's figures, and finds it where one row of the table
// must be enough to put it: in a chart's legend in its own colour, in a
// workload's table, and in the claims of the event-loop side.
func TestModelAddedToTable(t *testing.T) {
	fake := servers.Entry{Name: "fakeloop", Description: "a made-up event loop",
		Roles: []servers.Role{servers.RoleEventLoop},
		Style: servers.Style{Color: color.NRGBA{0x12, 0x34, 0x56, 0xFF}, Marker: "diamond"}}
	defer servers.AddForTest(fake)()
	run := plottest.Run()
	for _, p := range run.Points {
		if p.Model == "eventloop" {
			p.Model = fake.Name
			run.Points = append(run.Points, p)
		}
	}

	svg := chartSVG(t, run, "io-sleep-"+plot.KindThroughput)
	for _, want := range []string{">fakeloop<", fmt.Sprintf("#%02X%02X%02X", fake.Style.Color.R, fake.Style.Color.G, fake.Style.Color.B)} {
		if !strings.Contains(svg, want) {
			t.Errorf("the io-sleep throughput chart lacks %q", want)
		}
	}

	var b bytes.Buffer
	if err := Write(&b, run, Options{ImageBase: "plots"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n| fakeloop | 64 |", // a row of the io-sleep table
		"eventloop (the homemade libuv), node (the real one) and fakeloop",          // the claims' introduction
		"For each event-loop model (eventloop, node and fakeloop) against threaded", // claim 1's rule
		"io-sleep at 1024 connections: fakeloop ",                                   // one of claim 2's readings
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// chartSVG draws the chart called name of run as SVG.
func chartSVG(t *testing.T, run *results.Run, name string) string {
	t.Helper()
	planned, err := plot.Plan(run)
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
