package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"loopbench/harness/results"
)

// TestFitLine checks the fit against a line known exactly and the interval
// against Student's t by hand.
func TestFitLine(t *testing.T) {
	f := fitLine([]float64{1, 2, 3, 4}, []float64{3, 5, 7, 9}, 0.95)
	if f.Slope != 2 || f.Intercept != 1 || f.Lo != 2 || f.Hi != 2 || !f.OK() {
		t.Errorf("exact line: %+v", f)
	}
	// y = 1, 2, 2, 4 at x = 1..4: slope 0.9, residual SSE 0.7, se
	// sqrt(0.7/2/5) = 0.2646, t(0.975, 2) = 4.3027.
	f = fitLine([]float64{1, 2, 3, 4}, []float64{1, 2, 2, 4}, 0.95)
	if math.Abs(f.Slope-0.9) > 1e-12 || math.Abs(f.Hi-(0.9+4.3027*0.26458)) > 1e-3 {
		t.Errorf("noisy line: %+v", f)
	}
	for _, bad := range [][2][]float64{{{1, 1, 1}, {1, 2, 3}}, {{1, 2}, {1, 2}}} {
		if f := fitLine(bad[0], bad[1], 0.95); f.OK() {
			t.Errorf("%v: an interval from too little: %+v", bad, f)
		}
	}
}

// TestSlopes fits a series of idle points whose memory grows by 4 KiB of
// kernel and 0.5 KiB of user memory per connection, with noise: the
// slopes come out near them, intervals hold them, and a partial point is
// left out.
func TestSlopes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var g []results.Group
	for _, n := range []int{1000, 4000, 10000} {
		grp := results.Group{Key: results.Key{Workload: "c10k", Model: "m", Variant: "default", IdleConnections: n, Connections: 4}}
		for rep := range 3 {
			noise := func() int64 { return int64(rng.NormFloat64() * 20_000) }
			user, kernel := 8<<20+512*int64(n)+noise(), 2<<20+4096*int64(n)+noise()
			grp.Points = append(grp.Points, &results.Point{Rep: rep, IdleConnections: n, Connections: 4, Validity: results.Validity{Status: results.Valid},
				Server: results.Usage{RSS: user, Memory: &results.Memory{Total: user + kernel, User: user, Kernel: kernel}}})
		}
		g = append(g, grp)
	}
	g[0].Points = append(g[0].Points, &results.Point{Rep: 3, IdleConnections: 1000, Validity: results.Validity{Status: results.Partial}})
	s := Slopes(&Workload{Name: "c10k", Groups: g}, 0.95)
	if len(s) != 1 {
		t.Fatalf("%d slopes", len(s))
	}
	sl := s[0]
	for _, c := range []struct {
		name string
		f    Fit
		want float64
	}{{"total", sl.Total, 4608}, {"user", sl.User, 512}, {"kernel", sl.Kernel, 4096}, {"rss", sl.RSS, 512}} {
		if !c.f.OK() || c.f.N != 9 || c.f.Lo > c.want || c.f.Hi < c.want || math.Abs(c.f.Slope-c.want) > 50 {
			t.Errorf("%s: %+v, want about %v", c.name, c.f, c.want)
		}
	}
	if sl.Partial != 1 || sl.Source != SourceCgroup {
		t.Errorf("partial %d, source %s", sl.Partial, sl.Source)
	}
	mid, lo, hi := Ratio(sl.User, sl.Kernel)
	if !(lo <= 0.125 && 0.125 <= hi) || math.Abs(mid-0.125) > 0.02 {
		t.Errorf("ratio %v [%v, %v]", mid, lo, hi)
	}
}
