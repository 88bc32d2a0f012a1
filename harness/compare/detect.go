package compare

import (
	"math"
	"math/rand/v2"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Power is the share of trials in which a change of the detectable size is
// flagged: a regression of Row.Detectable is caught 9 times in 10.
const Power = 0.9

// detectTrials is the number of simulated comparisons per candidate change.
const detectTrials = 200

// Detectable is the smallest worsening, as a relative change of the median,
// that a comparison with these repetitions flags as a regression in at
// least Power of trials: significant by the U test at alpha and observed
// beyond threshold. It is found by simulation: each trial draws n old and m
// new repetitions from the runs' own spread (every repetition's relative
// deviation from its side's median, both sides pooled), scales the new ones
// by the change, and compares them as Compare does. NaN when a side has
// fewer than MinReps repetitions or the spread is unknown; +Inf when not
// even a doubling (or halving) would be caught.
func Detectable(old, new []float64, threshold, alpha float64, higherBetter bool) float64 {
	n, m := len(old), len(new)
	if n < MinReps || m < MinReps {
		return math.NaN()
	}
	a0, b0 := deviations(old), deviations(new)
	if a0 == nil || b0 == nil {
		return math.NaN()
	}
	devs := slices.Concat(a0, b0)
	caught := func(change float64) bool {
		// The same seed for every candidate: power then rises with the
		// change, trial by trial, and the search below is exact.
		rng := rand.New(rand.NewPCG(uint64(n), uint64(m)))
		t := benchmath.DefaultThresholds
		t.CompareAlpha = alpha
		a, b := make([]float64, n), make([]float64, m)
		hits := 0
		for range detectTrials {
			for i := range a {
				a[i] = 1 + devs[rng.IntN(len(devs))]
			}
			for i := range b {
				b[i] = (1 + devs[rng.IntN(len(devs))]) * factor(change, higherBetter)
			}
			c := benchmath.AssumeNothing.Compare(benchmath.NewSample(a, &t), benchmath.NewSample(b, &t))
			if c.P < alpha && math.Abs(median(b)/median(a)-1) > threshold && worse(median(b)/median(a)-1, higherBetter) {
				hits++
			}
		}
		return float64(hits) >= Power*detectTrials
	}
	return bisectChange(caught)
}

// factor is what a worsening by change multiplies a metric by: a lower
// throughput, a higher CPU time or latency.
func factor(change float64, higherBetter bool) float64 {
	if higherBetter {
		return 1 / (1 + change)
	}
	return 1 + change
}

func worse(change float64, higherBetter bool) bool {
	return (higherBetter && change < 0) || (!higherBetter && change > 0)
}

// deviations are each value's relative deviation from the median; nil
// when the median is 0.
func deviations(v []float64) []float64 {
	med := median(v)
	if med == 0 || math.IsNaN(med) {
		return nil
	}
	d := make([]float64, len(v))
	for i, x := range v {
		d[i] = x/med - 1
	}
	return d
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Noise is the spread of the repetitions as a robust coefficient of
// variation: the median absolute deviation of each repetition from its
// side's median, relative to it, both sides pooled, scaled by 1.4826 so
// that it estimates the standard deviation of normal noise.
func Noise(old, new []float64) float64 {
	a, b := deviations(old), deviations(new)
	if a == nil || b == nil {
		return math.NaN()
	}
	d := slices.Concat(a, b)
	for i := range d {
		d[i] = math.Abs(d[i])
	}
	return 1.4826 * median(d)
}
