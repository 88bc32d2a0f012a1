package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"loopbench/harness/results"
)

// num writes v with three significant digits, compactly (125k, 1.5M).
func num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	switch a := math.Abs(v); {
	case a >= 1e6:
		return sig3(v/1e6) + "M"
	case a >= 1e4:
		return sig3(v/1e3) + "k"
	case a >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	default:
		return sig3(v)
	}
}

// sig3 writes v rounded to three significant digits, without trailing zeros.
func sig3(v float64) string {
	if v == 0 {
		return "0"
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// ratio writes a ratio as "2.3×".
func ratio(v float64) string { return sig3(v) + "×" }

// interval writes a paired ratio with its 95% interval and pair count,
// "1.18× [1.05, 1.31], n=6"; below 6 pairs, with the range and the reason
// there is no interval.
func interval(r results.Stat) string {
	const few = "too few repetitions for a 95% interval"
	switch {
	case r.N == 0:
		return "no repetition usable on both sides"
	case r.HasCI():
		return fmt.Sprintf("%s [%s, %s], n=%d", ratio(r.Median), sig3(r.Lo), sig3(r.Hi), r.N)
	case r.N == 1:
		return fmt.Sprintf("%s, n=1: %s", ratio(r.Median), few)
	}
	return fmt.Sprintf("%s (range %s–%s), n=%d: %s", ratio(r.Median), sig3(r.Min), sig3(r.Max), r.N, few)
}

// withInterval writes a median with its 95% interval, "12.3 [11.9, 12.8]";
// below 6 repetitions with their range and count, "12.3 (11–13.1, n=2)".
func withInterval(s results.Stat, f func(float64) string) string {
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

// leftOut says which repetitions a reading left out and why, the first
// three of them.
func leftOut(why []string) string {
	const most = 3
	switch n := len(why); {
	case n == 0:
		return ""
	case n > most:
		return "; left out: " + strings.Join(why[:most], "; ") + fmt.Sprintf(" and %d more", n-most)
	}
	return "; left out: " + strings.Join(why, "; ")
}

// mib writes bytes in MiB.
func mib(b float64) string { return num(b / (1 << 20)) }

// kib writes bytes in KiB.
func kib(b float64) string { return num(b / 1024) }

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
