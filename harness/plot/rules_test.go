package plot

import (
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot/plottest"
)

// TestJoined draws a series as a line only where a line shows a shape:
// on a log x axis with three levels or more, always on a linear one.
func TestJoined(t *testing.T) {
	logX := Axis{Log: true}
	pts := func(xs ...float64) []XY {
		var out []XY
		for _, x := range xs {
			out = append(out, XY{X: x, Y: 10})
		}
		return out
	}
	unresolvedThird := append(pts(16, 256), XY{X: 1024, Y: 10, Unresolved: true})
	tests := []struct {
		name string
		x    Axis
		s    Series
		want bool
	}{
		{"two levels on a log axis", logX, Series{Points: pts(256, 4096)}, false},      // a straight line would pretend a trend
		{"three levels on a log axis", logX, Series{Points: pts(16, 256, 1024)}, true}, // a shape
		{"one level drawn of three", logX, Series{Points: unresolvedThird}, false},     // what is drawn counts
		{"two samples on a linear axis", Axis{}, Series{Points: pts(0.1, 0.2)}, true},  // a timeline
		{"plain series", logX, Series{Plain: true, Points: pts(1, 2)}, true},           // spectra, dense samples
		{"failed level not counted", logX, Series{Points: append(pts(16, 256), XY{X: 1024, Failed: true})}, false},
	}
	for _, tt := range tests {
		if got := joined(Panel{X: tt.x, Series: []Series{tt.s}}, tt.s); got != tt.want {
			t.Errorf("%s: joined = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMarkers draws a point measured once smaller than one of several
// repetitions, a client-bound one hollow and a variant pierced.
func TestMarkers(t *testing.T) {
	s := Style{Shape: Square}
	tests := []struct {
		name          string
		variant       string
		q             XY
		small, hollow bool
		pierced       bool
	}{
		{"six repetitions", "", XY{N: 6}, false, false, false},
		{"measured once", "", XY{N: 1}, true, false, false},
		{"count unknown", "", XY{}, false, false, false},
		{"client-bound once", "", XY{N: 1, ClientBound: true}, true, true, false},
		{"a variant", "cpu-offload", XY{N: 6}, false, false, true},
	}
	for _, tt := range tests {
		g := pointGlyph(s, tt.variant, tt.q)
		shape := g.Shape.(glyph)
		if small := g.Radius < markerRadius(6); small != tt.small || shape.hollow != tt.hollow || shape.pierced != tt.pierced {
			t.Errorf("%s: small %v hollow %v pierced %v, want %v %v %v", tt.name, small, shape.hollow, shape.pierced, tt.small, tt.hollow, tt.pierced)
		}
	}
}

// TestChartData checks, on the fixture run, what the charts are given:
// the repetitions behind each point, intervals only where there are six,
// points rather than lines for two levels, and percentiles left out where
// their requests do not resolve them.
func TestChartData(t *testing.T) {
	a := analysis.Analyze(plottest.Run())
	sh := sheetOf(a)
	ws := map[string]*analysis.Workload{}
	for i := range a.Workloads {
		ws[a.Workloads[i].Name] = &a.Workloads[i]
	}
	// wait-upstream: two levels, one repetition each.
	up := sh.seriesOf(ws["wait-upstream"], throughput, true)
	for _, s := range up {
		for _, q := range s.Points {
			if q.N != 1 || q.CI || pointGlyph(s.style(), s.Variant, q).Radius != onceRadius {
				t.Errorf("wait-upstream %s at %g: n=%d ci=%v, want a small marker of n=1 without an interval", s.Name(), q.X, q.N, q.CI)
			}
		}
		if joined(Panel{X: levelAxis(ws["wait-upstream"]), Series: up}, s) {
			t.Errorf("wait-upstream %s: two levels on a log axis joined by a line", s.Name())
		}
	}
	// plaintext: three levels, six repetitions each.
	pt := sh.seriesOf(ws["plaintext"], throughput, true)
	for _, s := range pt {
		for _, q := range s.Points {
			if q.N != 6 || !q.CI || !(q.Lo <= q.Y && q.Y <= q.Hi) {
				t.Errorf("plaintext %s at %g: n=%d ci=%v [%g, %g] around %g, want n=6 with its 95%% interval", s.Name(), q.X, q.N, q.CI, q.Lo, q.Hi, q.Y)
			}
		}
		if !joined(Panel{X: levelAxis(ws["plaintext"]), Series: pt}, s) {
			t.Errorf("plaintext %s: three levels not joined", s.Name())
		}
	}
	// p99.9 of 2000 requests (one repetition) is not resolved; of six
	// repetitions merged it is.
	for _, tt := range []struct {
		workload   string
		unresolved bool
	}{{"wait-upstream", true}, {"plaintext", false}} {
		ss, err := sh.percentileSeries(ws[tt.workload], allRoutes, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			for _, q := range s.Points {
				if !q.Failed && q.Unresolved != tt.unresolved {
					t.Errorf("%s %s p99.9 at %g of %d requests: unresolved %v, want %v", tt.workload, s.Name(), q.X, q.Samples, q.Unresolved, tt.unresolved)
				}
			}
		}
	}
}
