package plot

import (
	"bytes"
	"image/png"
	"slices"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

// TestChartsFromTinySeries draws each pure chart function from a few
// points, including failed and client-bound ones, and checks the marks are
// named in the notes.
func TestChartsFromTinySeries(t *testing.T) {
	series := []Series{
		{Model: "threaded", Points: []XY{{X: 16, Y: 100}, {X: 64, Y: 50, Failed: true}}},
		{Model: "gnet", Points: []XY{{X: 16, Y: 200, Lo: 190, Hi: 210, N: 3}, {X: 64, Y: 220, ClientBound: true}}},
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
		// A dot plot on a log axis, values decades apart, with a failed,
		// a partial, a client-bound dot and one with errors.
		{"dots", func() (*Chart, error) {
			return Dots("t", trim, "Whiskers: their range", DotPanel{X: Axis{Label: "ms", Log: true}, Dots: []Dot{
				{Model: "gnet", Value: 0.2, Lo: 0.1, Hi: 0.3, ClientBound: true},
				{Model: "threaded", Value: 40, LeftOut: 2, N: 6, Errors: 12},
				{Model: "node", Value: 4000, Partial: true},
				{Model: "evio", Failed: true},
			}})
		}, []string{"Client-bound", "gnet", "node", "evio", "threaded 2 of 6", "Errors", "Whiskers: their range"}},
		// Bars with a zoomed panel for the small ones.
		{"zoomed bars", func() (*Chart, error) {
			return ZoomedBars("t", "KiB", nil, []Bar{{Model: "threaded", Parts: []float64{84}}, {Model: "gnet", Parts: []float64{0.4}}}, nil)
		}, nil},
		// A spectrum from a client-bound point.
		{"spectrum", func() (*Chart, error) {
			return Spectrum("t", SpectrumPanel{Title: "/plaintext", Curves: curves}, SpectrumPanel{Title: "/cpu", Curves: curves})
		}, []string{"node"}},
		// A scorecard: a lower-is-better claim with an interval and a
		// range, and a claim whose only reading is no ratio.
		{"forest", func() (*Chart, error) {
			return Forest("t", []ForestGroup{
				{Name: "memory", Verdict: analysis.Confirmed, Threshold: analysis.Threshold{Good: 0.5, Bad: 1, Lower: true}, Readings: []analysis.Reading{
					{Label: "a ÷ b", Verdict: analysis.Confirmed, Ratio: results.StatOf([]float64{0.1, 0.1, 0.2, 0.2, 0.3, 0.3})},
					{Label: "c ÷ b", Verdict: analysis.Inconclusive, Ratio: results.StatOf([]float64{0.4, 0.6})},
				}},
				{Name: "io", Verdict: analysis.Confirmed, Threshold: analysis.Threshold{Good: 0.9, Bad: 0.75}, Unplotted: 1},
			})
		}, []string{"io: 1 reading without a ratio", "dashed whisker"}},
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

// TestNinesTicks labels 50% and every whole nine up to the axis' end, and
// leaves 0%, too close to 50% for two labels, bare.
func TestNinesTicks(t *testing.T) {
	var got []string
	for _, tk := range (ninesTicks{}).Ticks(0, 3) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if want := "50% 90% 99% 99.9%"; strings.Join(got, " ") != want {
		t.Errorf("nines ticks %q, want %q", got, want)
	}
}

// TestFullSamples drops a last sample cut short by the window's end and
// keeps one taken at the usual interval.
func TestFullSamples(t *testing.T) {
	tests := []struct {
		name string
		ts   []float64
		want int
	}{
		{"cut short", []float64{0.1, 0.2, 0.3, 0.32}, 3}, // 20 ms after the one before
		{"whole", []float64{0.1, 0.2, 0.3, 0.4}, 4},      // the usual 100 ms
		{"too few", []float64{0.1, 0.11}, 2},             // nothing to judge the interval by
	}
	for _, tt := range tests {
		var s []results.Sample
		for _, x := range tt.ts {
			s = append(s, results.Sample{T: x})
		}
		if got := len(fullSamples(s)); got != tt.want {
			t.Errorf("%s: %d samples kept, want %d", tt.name, got, tt.want)
		}
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

// TestLevelTicksApart wants levels too close for their labels on the
// axis drawn to keep the tick but lose the label, the highest level
// keeping its own, and levels far enough apart on it to keep both.
func TestLevelTicksApart(t *testing.T) {
	tests := []struct {
		min, max float64
		want     []string
	}{
		{100, 10_000, []string{"400", "", "1600"}},   // 1000 and 1600: a tenth of two decades
		{200, 2000, []string{"400", "1000", "1600"}}, // a fifth of one decade: room for both
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range (levelTicks{values: []float64{400, 1000, 1600}}).Ticks(tt.min, tt.max) {
			labels = append(labels, tk.Label)
		}
		if !slices.Equal(labels, tt.want) {
			t.Errorf("axis %g–%g: labels %q, want %q", tt.min, tt.max, labels, tt.want)
		}
	}
}
