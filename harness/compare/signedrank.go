package compare

import (
	"math"
	"slices"
)

// ExactMax is the most nonzero differences for which SignedRankTest and
// HodgesLehmann use the exact distribution of the signed-rank statistic;
// above it they use its normal approximation.
const ExactMax = 25

// SignedRank is the outcome of the Wilcoxon signed-rank test of a sample
// of differences against a center of zero.
type SignedRank struct {
	// N counts the nonzero differences the test ranked; Zeros counts the
	// differences of exactly zero, which it drops (Wilcoxon's method, as R's
	// wilcox.test does).
	N, Zeros int
	// W is the sum of the ranks of the positive differences, tied
	// magnitudes sharing their mean rank.
	W float64
	// P is the two-sided p-value: 1 without a nonzero difference.
	P float64
	// Exact says P comes from the exact distribution of W given the ties
	// (N <= ExactMax), not from the normal approximation.
	Exact bool
}

// SignedRankTest tests whether differences d (here, log ratios of
// back-to-back pairs) are centered on zero, by the Wilcoxon signed-rank
// test. Up to ExactMax nonzero differences, P is exact: W's distribution
// over every assignment of signs to the ranks given, ties included
// (midranks are multiples of ½, so twice them are integers and the
// distribution is counted exactly). Above, the normal approximation with
// the variance corrected for ties and a continuity correction of ½.
func SignedRankTest(d []float64) SignedRank {
	var nz []float64
	for _, x := range d {
		if x != 0 && !math.IsNaN(x) {
			nz = append(nz, x)
		}
	}
	t := SignedRank{N: len(nz), Zeros: len(d) - len(nz), P: 1}
	if t.N == 0 {
		return t
	}
	ranks := midranks(nz)
	for i, x := range nz {
		if x > 0 {
			t.W += ranks[i]
		}
	}
	if t.N <= ExactMax {
		t.Exact = true
		t.P = exactP(ranks, t.W)
		return t
	}
	t.P = normalP(t.N, ranks, t.W)
	return t
}

// midranks ranks the magnitudes of d from 1, ties sharing their mean rank.
func midranks(d []float64) []float64 {
	idx := make([]int, len(d))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmpFloat(math.Abs(d[a]), math.Abs(d[b])) })
	ranks := make([]float64, len(d))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && math.Abs(d[idx[j+1]]) == math.Abs(d[idx[i]]) {
			j++
		}
		mid := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			ranks[idx[k]] = mid
		}
		i = j + 1
	}
	return ranks
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// signCounts counts, for every sum s of twice the ranks, the assignments
// of signs whose positive ranks sum to s/2: W's exact null distribution
// (each of the 2^n assignments equally likely) in units of ½. Counts stay
// exact in float64 up to 2^53 assignments.
func signCounts(ranks []float64) []float64 {
	total := 0
	for _, r := range ranks {
		total += int(math.Round(2 * r))
	}
	counts := make([]float64, total+1)
	counts[0] = 1
	top := 0
	for _, r := range ranks {
		r2 := int(math.Round(2 * r))
		for s := top; s >= 0; s-- {
			counts[s+r2] += counts[s]
		}
		top += r2
	}
	return counts
}

// exactP is the two-sided p-value of W from its exact distribution: twice
// the smaller tail, at most 1.
func exactP(ranks []float64, w float64) float64 {
	counts := signCounts(ranks)
	w2 := int(math.Round(2 * w))
	var lower, upper, all float64
	for s, c := range counts {
		all += c
		if s <= w2 {
			lower += c
		}
		if s >= w2 {
			upper += c
		}
	}
	return math.Min(1, 2*math.Min(lower, upper)/all)
}

// normalP is the two-sided p-value of W from the normal approximation,
// its variance reduced by Σ(t³-t)/48 over groups of t tied magnitudes.
func normalP(n int, ranks []float64, w float64) float64 {
	nf := float64(n)
	mean := nf * (nf + 1) / 4
	v := nf * (nf + 1) * (2*nf + 1) / 24
	tied := map[float64]float64{}
	for _, r := range ranks {
		tied[r]++
	}
	for _, t := range tied {
		v -= (t*t*t - t) / 48
	}
	if v <= 0 {
		return 1
	}
	z := math.Max(0, math.Abs(w-mean)-0.5) / math.Sqrt(v)
	return math.Erfc(z / math.Sqrt2)
}

// Shift is the Hodges–Lehmann estimate of where differences are centered,
// with its confidence interval.
type Shift struct {
	// Center is the median of the Walsh averages (d_i+d_j)/2, i <= j: the
	// pseudo-median, which is the median when the differences are
	// symmetric about it and is less thrown by one odd pair.
	Center float64
	// Lo and Hi bound the interval of confidence Level (at least the level
	// asked for: W's distribution is discrete). HasCI is false when the
	// sample is too small for that level (with 95%, fewer than 6 values);
	// Lo and Hi are then the smallest and largest difference.
	Lo, Hi float64
	Level  float64
	HasCI  bool
}

// HodgesLehmann estimates the center of d with Tukey's exact interval:
// the k-th smallest and k-th largest Walsh average, where k-1 is the
// largest w with P(W <= w) <= (1-conf)/2 under the signed-rank test's null
// distribution (ties ignored; the normal approximation above ExactMax).
// The interval excludes zero exactly when SignedRankTest rejects at
// 1-conf (without ties), so the interval and the test never disagree. d
// must not be empty.
func HodgesLehmann(d []float64, conf float64) Shift {
	walsh := walshAverages(d)
	s := Shift{Center: median(walsh), Lo: slices.Min(d), Hi: slices.Max(d)}
	k, level := tukeyK(len(d), conf)
	if k < 1 {
		return s
	}
	s.Lo, s.Hi, s.Level, s.HasCI = walsh[k-1], walsh[len(walsh)-k], level, true
	return s
}

// walshAverages are (d_i+d_j)/2 for every i <= j, sorted.
func walshAverages(d []float64) []float64 {
	n := len(d)
	walsh := make([]float64, 0, n*(n+1)/2)
	for i := range d {
		for j := i; j < n; j++ {
			walsh = append(walsh, (d[i]+d[j])/2)
		}
	}
	slices.Sort(walsh)
	return walsh
}

// tukeyK is the rank of the Walsh averages that bound the interval of
// confidence conf for n values, and the interval's confidence; 0 when no
// interval reaches conf.
func tukeyK(n int, conf float64) (int, float64) {
	alpha := (1 - conf) / 2
	if n > ExactMax {
		nf := float64(n)
		mean, sd := nf*(nf+1)/4, math.Sqrt(nf*(nf+1)*(2*nf+1)/24)
		z := math.Sqrt2 * math.Erfinv(1-2*alpha)
		k := int(math.Floor(mean - z*sd + 0.5))
		return k, conf
	}
	ranks := make([]float64, n)
	for i := range ranks {
		ranks[i] = float64(i + 1)
	}
	counts := signCounts(ranks) // in units of ½: only even sums occur
	all := math.Ldexp(1, n)
	var cum float64
	k := 0
	for s := 0; s < len(counts); s += 2 {
		if (cum+counts[s])/all > alpha {
			break
		}
		cum += counts[s]
		k = s/2 + 1
	}
	return k, 1 - 2*cum/all
}
