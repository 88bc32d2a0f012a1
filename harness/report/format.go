package report

import (
	"math"
	"strconv"
	"strings"
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

// pct writes a fraction as a percentage: "±4%".
func pct(v float64) string { return strconv.FormatFloat(math.Round(v*100), 'f', -1, 64) + "%" }

// mib writes bytes in MiB.
func mib(b float64) string { return num(b / (1 << 20)) }

// kib writes bytes in KiB.
func kib(b float64) string { return num(b / 1024) }

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
