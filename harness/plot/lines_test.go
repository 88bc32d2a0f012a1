package plot

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

// TestChartsFromTinySeries draws each pure chart function from a few
// points, including failed and client-bound ones, and checks the marks are
// named in the notes.
func TestChartsFromTinySeries(t *testing.T) {
	series := []Series{
		{Model: "threaded", Points: []XY{{X: 16, Y: 100}, {X: 64, Y: 50, Failed: true}}},
		{Model: "gnet", Points: []XY{{X: 16, Y: 200, Min: 190, Max: 210}, {X: 64, Y: 220, ClientBound: true}}},
		{Model: "newmodel", Variant: "loops-2", Points: []XY{{X: 16, Y: 150}}},
	}
	y := Axis{Label: "throughput (requests/s)", Format: formatCount}
	x := Axis{Label: "connections (log scale)", Log: true}
	latency := Axis{Label: "latency (ms)", Log: true}
	bars := []Bar{
		{Model: "eventloop", Parts: []float64{3, 1}},
		{Model: "eventloop", Variant: "cpu-offload", Parts: []float64{4, 2}, ClientBound: true},
		{Model: "node", Parts: []float64{0, 0}, Failed: true},
	}
	curves := []Curve{{Model: "node", Percentiles: []float64{0, 50, 90, 99, 99.9}, Millis: []float64{1, 2, 3, 8, 20}, ClientBound: true}}
	tests := []struct {
		name  string
		chart func() (*Chart, error)
		notes []string
	}{
		// A line chart names the failed and the client-bound points.
		{"lines", func() (*Chart, error) { return Lines("t", false, Panel{X: x, Y: y, Series: series}) },
			[]string{"gnet at 64", "threaded at 64"}},
		// Latency panels on a log axis.
		{"panels", func() (*Chart, error) {
			return Lines("t", false, Panel{Title: "p50", X: x, Y: latency, Series: series}, Panel{Title: "p99", X: x, Y: latency, Series: series})
		}, []string{"threaded at 64"}},
		// Stacked bars with a failed and a client-bound bar.
		{"bars", func() (*Chart, error) { return Bars("t", "µs", []string{"user", "system"}, bars, nil) },
			[]string{"eventloop cpu-offload", "node"}},
		// Bars on a log axis, values decades apart, a zero and a failed bar.
		{"log bars", func() (*Chart, error) {
			return LogBars("t", "ms", []Bar{
				{Model: "gnet", Group: "p50", Parts: []float64{0.2}, ClientBound: true},
				{Model: "gnet", Group: "p99", Parts: []float64{0}, ClientBound: true},
				{Model: "node", Group: "p99", Parts: []float64{4000}},
				{Model: "node", Group: "p50", Failed: true},
			}, nil)
		}, []string{"gnet in p50, p99", "node in p50"}},
		// A spectrum from a client-bound point.
		{"spectrum", func() (*Chart, error) { return Spectrum("t", curves) }, []string{"node"}},
		// A chart with nothing to draw still renders.
		{"empty", func() (*Chart, error) { return Lines("t", false, Panel{X: x, Y: latency}) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.chart()
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(c.Notes, "\n")
			for _, want := range tc.notes {
				if !strings.Contains(notes, want) {
					t.Errorf("notes %q do not name %q", notes, want)
				}
			}
			b, err := c.Bytes("png")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
			if svg, err := c.Bytes("svg"); err != nil || !bytes.Contains(svg, []byte("<svg")) {
				t.Fatalf("svg: %v", err)
			}
		})
	}
}

// TestTicks checks the labels a reader sees on the axes.
func TestTicks(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{1024, "1024"},   // exact levels stay exact
		{10000, "10k"},   // large counts are compact
		{1.5e6, "1.5M"},  // millions
		{0.25, "0.25"},   // fractions of a millisecond
		{123456, "123k"}, // three significant digits
	}
	for _, tc := range tests {
		if got := formatCount(tc.v); got != tc.want {
			t.Errorf("formatCount(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := nines(99.9); got < 2.999 || got > 3.001 {
		t.Errorf("nines(99.9) = %v, want 3", got)
	}
}

// TestUnknownFormat is an error, not a panic.
func TestUnknownFormat(t *testing.T) {
	c, err := Lines("t", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Bytes("gif"); err == nil {
		t.Error("Bytes(gif) succeeded, want an error")
	}
}
