package compare

import (
	"math"
	"testing"
)

// TestSignedRankCriticalValues checks the exact distribution against the
// published table of the test's critical values (two-sided α = 0.05 and
// 0.01; e.g. Wilcoxon, Katti and Wilcox 1970, as every statistics text
// reprints it): c is the largest W with P(W <= c) <= α/2.
func TestSignedRankCriticalValues(t *testing.T) {
	table := []struct {
		n        int
		c05, c01 int // -1: no value reaches the level
	}{
		{5, -1, -1},
		{6, 0, -1},
		{7, 2, -1},
		{8, 3, 0},
		{9, 5, 1},
		{10, 8, 3},
		{11, 10, 5},
		{12, 13, 7},
		{13, 17, 9},
		{14, 21, 12},
		{15, 25, 15},
		{16, 29, 19},
		{17, 34, 23},
		{18, 40, 27},
		{19, 46, 32},
		{20, 52, 37},
		{25, 89, 68},
	}
	for _, row := range table {
		for _, c := range []struct {
			conf float64
			crit int
		}{{0.95, row.c05}, {0.99, row.c01}} {
			k, _ := tukeyK(row.n, c.conf)
			if k-1 != c.crit {
				t.Errorf("n=%d, two-sided α=%.2f: critical value %d, the table says %d", row.n, 1-c.conf, k-1, c.crit)
			}
		}
	}
}

// TestSignedRankPValues checks p-values against published examples.
func TestSignedRankPValues(t *testing.T) {
	// Hollander and Wolfe's depression scores (R's wilcox.test example):
	// x - y before and after therapy; V = 40, one-sided p = 0.01953.
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	hw := make([]float64, len(x))
	for i := range x {
		hw[i] = x[i] - y[i]
	}
	// Darwin's Zea mays height differences as Fisher analysed them (SciPy's
	// wilcoxon example): exact two-sided p = 0.041259765625.
	darwin := []float64{6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75}
	var large, tiedLarge []float64
	for i := range 30 { // 30 values: the normal approximation
		large = append(large, float64(i+1)*sign(i%4 != 0))
		tiedLarge = append(tiedLarge, float64(i/3+1)*sign(i%4 != 0))
	}
	cases := []struct {
		name  string
		d     []float64
		w, p  float64
		exact bool
	}{
		{"Hollander and Wolfe", hw, 40, 2 * 0.01953125, true},
		{"Darwin, exact", darwin, 96, 0.041259765625, true},
		{"all six positive: the smallest p of 6 pairs", []float64{1, 2, 3, 4, 5, 6}, 21, 2.0 / 64, true},
		{"five positive: never below 0.05", []float64{1, 2, 3, 4, 5}, 15, 2.0 / 32, true},
		// Ties: |1| twice takes ranks 1.5 each; the exact count, by hand: W
		// = 1.5+1.5+3 = 6 of 6, P(W >= 6) = 1/8, two-sided 1/4.
		{"ties counted exactly", []float64{1, 1, 2}, 6, 0.25, true},
		{"zeros dropped", []float64{0, 0, 1, 2, 3, 4, 5, 6}, 21, 2.0 / 64, true},
		// 30 values, W = 465 - (1+5+9+...+29) = 345: z = (345-232.5-0.5)/sqrt(2363.75).
		{"normal approximation", large, 345, math.Erfc((345 - 232.5 - 0.5) / math.Sqrt(2363.75) / math.Sqrt2), false},
		// Ten groups of 3 tied magnitudes: the variance loses 10·24/48 = 5.
		{"normal approximation with ties", tiedLarge, tiedW(tiedLarge), math.Erfc((math.Abs(tiedW(tiedLarge)-232.5) - 0.5) / math.Sqrt(2363.75-5) / math.Sqrt2), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SignedRankTest(c.d)
			if got.W != c.w || math.Abs(got.P-c.p) > 1e-9 || got.Exact != c.exact {
				t.Errorf("W %v, p %.12f, exact %v; want %v, %.12f, %v", got.W, got.P, got.Exact, c.w, c.p, c.exact)
			}
		})
	}
	if got := SignedRankTest([]float64{0, 0}); got.P != 1 || got.N != 0 || got.Zeros != 2 {
		t.Errorf("only zeros: %+v, want p 1 and both dropped", got)
	}
}

func sign(pos bool) float64 {
	if pos {
		return 1
	}
	return -1
}

// tiedW is W for values in groups of 3 tied magnitudes (midranks 2, 5, 8, ...).
func tiedW(d []float64) float64 {
	w := 0.0
	for _, x := range d {
		if x > 0 {
			w += 3*math.Abs(x) - 1
		}
	}
	return w
}

// TestHodgesLehmann checks the estimate and Tukey's interval against R's
// wilcox.test(x, y, paired = TRUE, conf.int = TRUE) on the depression
// scores: pseudo-median 0.46, interval [0.01, 0.786] at an achieved 96.1%.
func TestHodgesLehmann(t *testing.T) {
	d := []float64{0.952, -0.147, 1.022, 0.43, 0.62, 0.59, 0.49, -0.08, 0.01}
	s := HodgesLehmann(d, 0.95)
	if !s.HasCI || math.Abs(s.Center-0.46) > 1e-9 || math.Abs(s.Lo-0.01) > 1e-9 || math.Abs(s.Hi-0.786) > 1e-9 || math.Abs(s.Level-(1-20.0/512)) > 1e-9 {
		t.Errorf("HodgesLehmann = %+v, want 0.46 [0.01, 0.786] at 96.1%%", s)
	}
	// Six values: the interval is their range at 1-2/64; five have none.
	if s := HodgesLehmann([]float64{3, 1, 2, 6, 5, 4}, 0.95); !s.HasCI || s.Lo != 1 || s.Hi != 6 || s.Center != 3.5 || s.Level != 1-2.0/64 {
		t.Errorf("six values: %+v", s)
	}
	if s := HodgesLehmann([]float64{1, 2, 3, 4, 5}, 0.95); s.HasCI || s.Lo != 1 || s.Hi != 5 {
		t.Errorf("five values: %+v, want no interval and the range", s)
	}
}

// TestIntervalAgreesWithTest checks that the interval excludes zero
// exactly when the test rejects at the same level, over shifted samples.
func TestIntervalAgreesWithTest(t *testing.T) {
	base := []float64{-0.9, -0.5, -0.31, -0.12, 0.05, 0.2, 0.33, 0.61, 0.8, 1.1}
	for shift := -1.5; shift <= 1.5; shift += 0.05 {
		d := make([]float64, len(base))
		for i, x := range base {
			d[i] = x + shift
		}
		p := SignedRankTest(d).P
		s := HodgesLehmann(d, 0.95)
		if excludes := s.Lo > 0 || s.Hi < 0; excludes != (p < 0.05) {
			t.Errorf("shift %.2f: p %.4f but interval [%.3f, %.3f]", shift, p, s.Lo, s.Hi)
		}
	}
}
