// Package changepoint finds where a series of measurements changes its
// distribution, by E-divisive means (Matteson and James, "A Nonparametric
// Approach for Multiple Change Point Analysis of Multivariate Data",
// JASA 2014), as MongoDB's signal-processing-algorithms applies it to
// performance results over commits (Daly et al., "Change Point Detection
// in Software Performance Testing", ICPE 2020).
//
// The method, hierarchically: in every segment found so far, for every
// split τ at least MinSize from either end, the divergence of the values
// before τ from those after,
//
//	q(τ) = mn/(m+n) · ( 2/(mn) Σ|x_i − y_j| − 1/C(m,2) Σ|x_i − x_k| − 1/C(n,2) Σ|y_j − y_k| ),
//
// which is large when the two sides' distributions differ (in location,
// spread or shape: it assumes no distribution); the best split over all
// segments is a candidate. It stands when a permutation test finds it
// significant: the values are shuffled within each segment, the best
// split's q recomputed, Permutations times, and p = (ties and larger +
// 1)/(Permutations + 1). Detection stops at the first candidate with p >=
// Alpha. As in the paper, the part after τ may end before the segment
// does (its end κ is searched too), so a step up and back down is found;
// running sums over a table of each value's distances make a scan O(n²).
// The shuffles come from a seeded generator, so the same series gives the
// same change points.
package changepoint

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Options tune Detect; zero values take the defaults.
type Options struct {
	// MinSize is the fewest values a segment may have (default 3).
	MinSize int
	// Alpha is the permutation test's significance level (default 0.01:
	// on series of 40 normal values without a change, 1% show one; at 0.05,
	// 4.5%).
	Alpha float64
	// Permutations is the number of shuffles per candidate (default 199;
	// at least 2/Alpha - 1, so that a split can be significant at all).
	Permutations int
	// Seed seeds the shuffles (default 1).
	Seed uint64
}

// WithDefaults is o with every zero setting given its default.
func (o Options) WithDefaults() Options {
	if o.MinSize < 2 {
		o.MinSize = 3
	}
	if o.Alpha <= 0 {
		o.Alpha = 0.01
	}
	if o.Permutations <= 0 {
		o.Permutations = 199
	}
	o.Permutations = max(o.Permutations, int(math.Ceil(2/o.Alpha))-1)
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Change is one change point.
type Change struct {
	// Index is the first value of the new segment.
	Index int
	// Q is the divergence statistic at the split, P the permutation
	// test's p-value.
	Q, P float64
}

// Detect returns the change points of x in index order. NaN values must
// be removed by the caller.
func Detect(x []float64, o Options) []Change {
	o = o.WithDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, 0x65646976)) // "ediv"
	bounds := []int{0, len(x)}
	var found []Change
	for {
		q, at := best(x, bounds, o.MinSize)
		if at < 0 {
			break
		}
		p := permutationP(x, bounds, q, o, rng)
		if p >= o.Alpha {
			break
		}
		found = append(found, Change{Index: at, Q: q, P: p})
		bounds = append(bounds, at)
		slices.Sort(bounds)
	}
	slices.SortFunc(found, func(a, b Change) int { return a.Index - b.Index })
	return found
}

// best is the largest q over every segment between consecutive bounds,
// and where; -1 when no segment can be split.
func best(x []float64, bounds []int, minSize int) (float64, int) {
	pre := prefixes(x)
	q, at := math.Inf(-1), -1
	for i := 0; i+1 < len(bounds); i++ {
		if sq, sat := bestSplit(pre, bounds[i], bounds[i+1], minSize); sat >= 0 && sq > q {
			q, at = sq, sat
		}
	}
	return q, at
}

// prefixes are each value's running sums of distances to the values
// before each index: pre[k][i] = Σ_{j<i} |x_k − x_j|, so that the sum of
// x_k's distances to any range is one subtraction.
func prefixes(x []float64) [][]float64 {
	pre := make([][]float64, len(x))
	for k, xk := range x {
		row := make([]float64, len(x)+1)
		for j, xj := range x {
			row[j+1] = row[j] + math.Abs(xk-xj)
		}
		pre[k] = row
	}
	return pre
}

// bestSplit scans the splits τ of the segment [a, b) and, for each, the
// ends κ of the part after it (Matteson and James's Q(τ, κ)), with running
// sums of the distances within the left part [a, τ), within the right [τ,
// κ) and between them: O(n²) for a segment of n values.
func bestSplit(pre [][]float64, a, b, minSize int) (float64, int) {
	if b-a < 2*minSize {
		return 0, -1
	}
	dist := func(k, from, to int) float64 { return pre[k][to] - pre[k][from] }
	var left float64
	for t := a + 1; t < a+minSize; t++ {
		left += dist(t, a, t)
	}
	bq, bat := math.Inf(-1), -1
	for t := a + minSize; t <= b-minSize; t++ {
		var right, between float64
		for k := t + 1; k <= b; k++ {
			// The right part grows from [t, k-1) to [t, k).
			right += dist(k-1, t, k-1)
			between += dist(k-1, a, t)
			if k-t < minSize {
				continue
			}
			if q := divergence(left, right, between, t-a, k-t); q > bq {
				bq, bat = q, t
			}
		}
		left += dist(t, a, t)
	}
	return bq, bat
}

// divergence is q for a split into m and n values with these sums of
// distances within the left part, within the right and between them.
func divergence(left, right, between float64, m, n int) float64 {
	mf, nf := float64(m), float64(n)
	e := 2*between/(mf*nf) - left/(mf*(mf-1)/2) - right/(nf*(nf-1)/2)
	return mf * nf / (mf + nf) * e
}

// permutationP is the share of shuffles, within each segment, whose best
// split diverges at least as much as q.
func permutationP(x []float64, bounds []int, q float64, o Options, rng *rand.Rand) float64 {
	y := slices.Clone(x)
	over := 0
	for range o.Permutations {
		for i := 0; i+1 < len(bounds); i++ {
			seg := y[bounds[i]:bounds[i+1]]
			rng.Shuffle(len(seg), func(a, b int) { seg[a], seg[b] = seg[b], seg[a] })
		}
		if pq, _ := best(y, bounds, o.MinSize); pq >= q {
			over++
		}
	}
	return float64(over+1) / float64(o.Permutations+1)
}
