package figures

import (
	"fmt"
	"math"
)

// MinBeyond is how many samples must lie at or beyond a percentile for it
// to be read as a figure: with fewer, one or two stray requests decide it.
// So p50 needs 20 samples, p99 1,000 and p99.9 10,000; a p99.9 read from
// 800 requests is the slowest request, not a p99.9. Every table and chart
// of loopbench applies this one rule (Resolved).
const MinBeyond = 10

// NeedSamples is the fewest samples that resolve percentile q (0 < q <
// 100): 20 for p50, 1,000 for p99, 10,000 for p99.9.
func NeedSamples(q float64) int64 {
	return int64(math.Ceil(MinBeyond/(1-q/100) - 1e-6))
}

// Resolved reports whether percentile q of n samples is resolved: whether
// at least MinBeyond of them lie at or beyond it.
func Resolved(q float64, n int64) bool { return n >= NeedSamples(q) }

// ResolvedNines is how far along the nines axis (1 is p90, 2 p99, 3
// p99.9) n samples resolve a latency spectrum: log10(n / MinBeyond), 0
// when n is too small to resolve even p90.
func ResolvedNines(n int64) float64 {
	if n <= MinBeyond {
		return 0
	}
	return math.Log10(float64(n) / MinBeyond)
}

// Unresolved stands in a table for a percentile its samples do not
// resolve; the table's notes say why (UnresolvedNote).
const Unresolved = "n/r"

// UnresolvedNote explains Unresolved under a table: "n/r: not resolved,
// fewer than 10 requests lie beyond that percentile (p99 needs 1000
// requests, p99.9 10k), so it is no figure".
func UnresolvedNote() string {
	return fmt.Sprintf("%s: not resolved, fewer than %d requests lie beyond that percentile (p99 needs %s requests, p99.9 %s), so it is no figure",
		Unresolved, MinBeyond, Num(float64(NeedSamples(99))), Num(float64(NeedSamples(99.9))))
}

// Percentile writes percentile q, v, read from n samples, by f; Unresolved
// when n does not resolve it and "–" when there is no figure.
func Percentile(v, q float64, n int64, f func(float64) string) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case !Resolved(q, n):
		return Unresolved
	}
	return f(v)
}
