package compare

import (
	"math"
	"math/rand/v2"
	"slices"

	"loopbench/harness/pairs"
	"loopbench/harness/results"
)

// MinPairs is the fewest back-to-back pairs the signed-rank test needs to
// reach p < 0.05 two-sided: with 6, only when all six agree (p = 2/64);
// with 5 the smallest p is 2/32. A paired row with fewer decides nothing:
// its remaining points were chosen by what left the others out (a
// client-bound point, a partial one), so comparing them as independent
// samples would compare a selection.
const MinPairs = 6

// The tests a row can be decided by (Row.Test).
const (
	// TestPaired is the Wilcoxon signed-rank test on the log ratios of
	// back-to-back pairs (runs of one A/B run).
	TestPaired = "paired"
	// TestU is the Mann–Whitney U test over two independent samples.
	TestU = "unpaired"
)

// PairRatio is a paired row's new/old ratio over its back-to-back pairs.
type PairRatio struct {
	// Center is the Hodges–Lehmann estimate of the ratio (the median of
	// the Walsh averages of the log ratios, exponentiated) and Lo, Hi its
	// 95% interval, exact from the signed-rank distribution (Tukey's
	// order statistics of the Walsh averages); HasCI is false below
	// MinPairs pairs, where Lo and Hi are the range.
	Center, Lo, Hi float64
	HasCI          bool
	// Ratios are the pairs' new/old ratios in repetition order.
	Ratios []float64
	// LeftOut names each repetition left out of the pairs and why.
	LeftOut []string
}

// N is the number of pairs.
func (p PairRatio) N() int { return len(p.Ratios) }

// PairedRuns reports whether old and new are the two sides of one A/B run
// (loopbench ab writes each side as a run of its own, with the run's ID):
// the same ID, and every point of each run of one side, not the other's.
// Their repetitions were then measured back to back, pair by pair.
func PairedRuns(old, new *results.Run) bool {
	so, okOld := oneSide(old)
	sn, okNew := oneSide(new)
	return old.ID != "" && old.ID == new.ID && okOld && okNew && so != sn
}

// oneSide is the side every point of run has, if they share one.
func oneSide(run *results.Run) (string, bool) {
	if len(run.Points) == 0 || run.Points[0].Side == "" {
		return "", false
	}
	s := run.Points[0].Side
	for _, p := range run.Points {
		if p.Side != s {
			return "", false
		}
	}
	return s, true
}

// comparePaired measures a row by its back-to-back pairs: each repetition
// of new divided by old's repetition of the same number (pairs.Pair), the
// signed-rank test on the log ratios, and their Hodges–Lehmann center.
// decidePaired then decides the rows together.
func comparePaired(og, ng *results.Group, m Metric, o Options) Row {
	pr := pairs.Pair(ng.Points, og.Points, m)
	r := Row{Key: og.Key, Metric: m, Old: pr.B, New: pr.A, Test: TestPaired, ClientBound: clientBound(og, m) + clientBound(ng, m),
		Ratio: PairRatio{Ratios: pr.Ratios, LeftOut: pr.LeftOut}}
	if len(pr.Ratios) < MinPairs {
		r.TooFew, r.P, r.PUnadjusted, r.Noise, r.Detectable = true, math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return r
	}
	r.Ratio, r.PUnadjusted = PairedCenter(pr.Ratios)
	r.Ratio.LeftOut = pr.LeftOut
	r.Change = r.Ratio.Center - 1
	r.Noise = LogNoise(logsOf(pr.Ratios))
	r.Worse = worse(r.Change, m.HigherBetter)
	return r
}

// decidePaired decides the paired rows as one family: each row's p is
// adjusted by Holm's step-down method over the rows with enough pairs, so
// that an A/B run of identical builds flags any row with probability at
// most alpha however many models and metrics it compares. A row is a
// regression when its adjusted p is below alpha and its center is worse
// than the threshold. Its detectable worsening is simulated at the level
// the row would need at worst, alpha over the family's size.
func decidePaired(rows []Row, o Options) {
	var family []int
	for i, r := range rows {
		if r.Test == TestPaired && !r.TooFew {
			family = append(family, i)
		}
	}
	slices.SortStableFunc(family, func(a, b int) int { return cmpFloat(rows[a].PUnadjusted, rows[b].PUnadjusted) })
	m := len(family)
	running := 0.0
	for k, i := range family {
		running = math.Max(running, math.Min(1, float64(m-k)*rows[i].PUnadjusted))
		r := &rows[i]
		r.P, r.Family = running, m
		r.Significant = r.P < o.Alpha
		r.Regression = r.Significant && r.Worse && math.Abs(r.Change) > o.Threshold
		r.Detectable = DetectablePaired(logsOf(r.Ratio.Ratios), o.Threshold, o.Alpha/float64(m), r.Metric.HigherBetter)
	}
}

func logsOf(ratios []float64) []float64 {
	l := make([]float64, len(ratios))
	for i, x := range ratios {
		l[i] = math.Log(x)
	}
	return l
}

// clientBound counts g's usable repetitions left out of m because they
// were client-bound (m's figure is then the client's).
func clientBound(g *results.Group, m Metric) int {
	n := 0
	for _, p := range g.Points {
		if m.ClientLimited && p.ClientBound && p.Usable() && p.Requests > 0 {
			n++
		}
	}
	return n
}

// LogNoise is the spread of log ratios as a robust standard deviation:
// 1.4826 times their median absolute deviation from their median. For
// small spreads it is the pairs' relative noise (0.01: 1%).
func LogNoise(logs []float64) float64 {
	if len(logs) == 0 {
		return math.NaN()
	}
	med := median(logs)
	d := make([]float64, len(logs))
	for i, x := range logs {
		d[i] = math.Abs(x - med)
	}
	return 1.4826 * median(d)
}

// DetectablePaired is the smallest worsening, as a relative change of the
// pairs' ratio, that a paired comparison of this many pairs flags as a
// regression in at least Power of trials: significant by the signed-rank
// test at alpha and with its Hodges–Lehmann center beyond threshold. It is
// found by simulation from the pairs' own spread, as Detectable is for the
// U test: each trial draws as many pairs from the log ratios' deviations
// from their median, adds the change, and decides as comparePaired does.
// NaN below MinPairs pairs; +Inf when not even a doubling (or halving)
// would be caught.
func DetectablePaired(logs []float64, threshold, alpha float64, higherBetter bool) float64 {
	n := len(logs)
	if n < MinPairs {
		return math.NaN()
	}
	med := median(logs)
	devs := make([]float64, n)
	for i, x := range logs {
		devs[i] = x - med
	}
	caught := func(change float64) bool {
		// One seed for every candidate, so that power rises with the change
		// trial by trial and the bisection below is exact.
		rng := rand.New(rand.NewPCG(uint64(n), 0x7061697265640a)) // "paired"
		shift := math.Log(factor(change, higherBetter))
		d := make([]float64, n)
		hits := 0
		for range detectTrials {
			for i := range d {
				d[i] = devs[rng.IntN(n)] + shift
			}
			c := math.Exp(median(walshAverages(d))) - 1
			if SignedRankTest(d).P < alpha && math.Abs(c) > threshold && worse(c, higherBetter) {
				hits++
			}
		}
		return float64(hits) >= Power*detectTrials
	}
	return bisectChange(caught)
}

// bisectChange is the smallest change in (0, 1] that caught accepts, to
// within a quarter of a percent, for caught monotone in the change; +Inf
// when it rejects 1.
func bisectChange(caught func(float64) bool) float64 {
	lo, hi := 0.0, 1.0
	if !caught(hi) {
		return math.Inf(1)
	}
	for hi-lo > 0.0025 {
		mid := (lo + hi) / 2
		if caught(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// PairedCenter is the Hodges–Lehmann center of ratios, with its 95%
// interval and the signed-rank test's p-value: what a paired row reports,
// for callers that hold ratios rather than runs (harness/bisect).
func PairedCenter(ratios []float64) (PairRatio, float64) {
	if len(ratios) == 0 {
		return PairRatio{}, math.NaN()
	}
	logs := logsOf(ratios)
	hl := HodgesLehmann(logs, results.Confidence)
	return PairRatio{Center: math.Exp(hl.Center), Lo: math.Exp(hl.Lo), Hi: math.Exp(hl.Hi), HasCI: hl.HasCI, Ratios: slices.Clone(ratios)},
		SignedRankTest(logs).P
}
