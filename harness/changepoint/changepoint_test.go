package changepoint

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// series joins segments of normal noise: each segment's length, mean and
// standard deviation, from a fixed seed.
func series(seed uint64, segs ...[3]float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	var x []float64
	for _, s := range segs {
		for range int(s[0]) {
			x = append(x, s[1]+s[2]*rng.NormFloat64())
		}
	}
	return x
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name string
		x    []float64
		want []int
	}{
		{"no change", series(1, [3]float64{60, 10, 0.2}), nil},
		{"no change, heavy noise", series(2, [3]float64{40, 10, 3}), nil},
		{"a 5% step", series(3, [3]float64{30, 10, 0.2}, [3]float64{30, 10.5, 0.2}), []int{30}},
		{"a step up and back down", series(4, [3]float64{20, 10, 0.2}, [3]float64{15, 11, 0.2}, [3]float64{20, 10, 0.2}), []int{20, 35}},
		{"a change of spread alone", series(5, [3]float64{40, 10, 0.05}, [3]float64{40, 10, 1}), []int{40}},
		{"a step near the end", series(6, [3]float64{25, 10, 0.1}, [3]float64{4, 11, 0.1}), []int{25}},
		{"too short to split", []float64{1, 2, 3, 4, 5}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []int
			for _, ch := range Detect(c.x, Options{}) {
				got = append(got, ch.Index)
				if ch.P >= 0.01 || ch.Q <= 0 {
					t.Errorf("change at %d: q %.3f, p %.3f", ch.Index, ch.Q, ch.P)
				}
			}
			// The split's location is estimated: within ±2 of the true
			// one for 9 in 10 series of a 2.5σ step (±0 for 3 in 4).
			if !near(got, c.want, 2) {
				t.Errorf("change points %v, want %v (±2)", got, c.want)
			}
		})
	}
}

func near(got, want []int, tol int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if d := got[i] - want[i]; d < -tol || d > tol {
			return false
		}
	}
	return true
}

// TestRates checks the permutation test's level and power over many
// series: without a change about Alpha of them show one (at 0.05 here,
// where 60 series can tell), and a 2.5σ step in the middle is found
// within 3 of its place.
func TestRates(t *testing.T) {
	if testing.Short() {
		t.Skip("120 series; skipped with -short")
	}
	alarms, found := 0, 0
	for seed := range uint64(60) {
		if len(Detect(series(100+seed, [3]float64{30, 10, 0.3}), Options{Alpha: 0.05, Permutations: 99})) > 0 {
			alarms++
		}
		if ch := Detect(series(1000+seed, [3]float64{30, 10, 0.2}, [3]float64{30, 10.5, 0.2}), Options{Alpha: 0.05, Permutations: 99}); len(ch) > 0 && near([]int{ch[0].Index}, []int{30}, 3) {
			found++
		}
	}
	if alarms > 8 {
		t.Errorf("%d of 60 series without a change showed one; the level is 5%% (3 expected)", alarms)
	}
	if found < 54 {
		t.Errorf("a 2.5σ step found in %d of 60 series, want 54 or more", found)
	}
}

// TestBestSplitMatchesDirect checks the running sums against the
// statistic computed from its definition.
func TestBestSplitMatchesDirect(t *testing.T) {
	x := series(9, [3]float64{7, 1, 0.5}, [3]float64{6, 2, 0.5}, [3]float64{5, 1, 0.5})
	bq, bat := bestSplit(prefixes(x), 1, len(x), 2)
	dq, dat := math.Inf(-1), -1
	for tau := 3; tau <= len(x)-2; tau++ {
		for kappa := tau + 2; kappa <= len(x); kappa++ {
			if q := direct(x[1:tau], x[tau:kappa]); q > dq {
				dq, dat = q, tau
			}
		}
	}
	if bat != dat || math.Abs(bq-dq) > 1e-9 {
		t.Errorf("bestSplit = %.6f at %d, direct %.6f at %d", bq, bat, dq, dat)
	}
}

func direct(a, b []float64) float64 {
	m, n := float64(len(a)), float64(len(b))
	var between, within1, within2 float64
	for _, x := range a {
		for _, y := range b {
			between += math.Abs(x - y)
		}
	}
	for i := range a {
		for k := i + 1; k < len(a); k++ {
			within1 += math.Abs(a[i] - a[k])
		}
	}
	for i := range b {
		for k := i + 1; k < len(b); k++ {
			within2 += math.Abs(b[i] - b[k])
		}
	}
	return m * n / (m + n) * (2*between/(m*n) - within1/(m*(m-1)/2) - within2/(n*(n-1)/2))
}

func TestDeterministic(t *testing.T) {
	x := series(3, [3]float64{30, 10, 0.2}, [3]float64{30, 10.5, 0.2})
	if a, b := Detect(x, Options{Seed: 5}), Detect(x, Options{Seed: 5}); !slices.Equal(a, b) {
		t.Errorf("two detections with one seed differ: %v and %v", a, b)
	}
}
