// Package figures writes numbers the way every table, chart label and
// claim of loopbench writes them (three significant digits, compact
// thousands, ratios and intervals), so that a chart's label never says 2010
// where the table beside it says 2008. The analysis, its claims and every
// presenter of a run (report, plot, compare) share it.
package figures

import (
	"fmt"
	"math"
	"strconv"

	"loopbench/harness/results"
)

// Num writes v with three significant digits, compactly (125k, 1.5M).
func Num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	switch a := math.Abs(v); {
	case a >= 1e6:
		return Sig3(v/1e6) + "M"
	case a >= 1e4:
		return Sig3(v/1e3) + "k"
	case a >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	default:
		return Sig3(v)
	}
}

// Sig3 writes v rounded to three significant digits, without trailing zeros.
func Sig3(v float64) string {
	if v == 0 {
		return "0"
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// Ratio writes a ratio as "2.3×".
func Ratio(v float64) string { return Sig3(v) + "×" }

// Interval writes a paired ratio with its 95% interval and pair count,
// "1.18× [1.05, 1.31], n=6"; below 6 pairs, with the range and the reason
// there is no interval.
func Interval(r results.Stat) string {
	const few = "too few repetitions for a 95% interval"
	switch {
	case r.N == 0:
		return "no repetition usable on both sides"
	case r.HasCI():
		return fmt.Sprintf("%s [%s, %s], n=%d", Ratio(r.Median), Sig3(r.Lo), Sig3(r.Hi), r.N)
	case r.N == 1:
		return fmt.Sprintf("%s, n=1: %s", Ratio(r.Median), few)
	}
	return fmt.Sprintf("%s (range %s–%s), n=%d: %s", Ratio(r.Median), Sig3(r.Min), Sig3(r.Max), r.N, few)
}

// WithInterval writes a median with its 95% interval, "12.3 [11.9, 12.8]";
// below 6 repetitions with their range and count, "12.3 (11–13.1, n=2)".
func WithInterval(s results.Stat, f func(float64) string) string {
	switch {
	case s.N == 0:
		return "–"
	case s.HasCI():
		return fmt.Sprintf("%s [%s, %s]", f(s.Median), f(s.Lo), f(s.Hi))
	case s.N == 1:
		return f(s.Median) + " (n=1)"
	}
	return fmt.Sprintf("%s (%s–%s, n=%d)", f(s.Median), f(s.Min), f(s.Max), s.N)
}

// MiB writes bytes in MiB, the unit of every memory column and axis
// (binary units throughout: KiB, MiB, GiB, never KB or MB).
func MiB(b float64) string { return Num(b / (1 << 20)) }

// KiB writes bytes in KiB.
func KiB(b float64) string { return Num(b / 1024) }

// Bytes writes bytes with the binary unit that suits them: "512 B",
// "4.24 KiB", "21.9 MiB", "23.5 GiB".
func Bytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(b) >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return Sig3(b) + " " + units[i]
}

// Plural writes "1 point", "2 points".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
