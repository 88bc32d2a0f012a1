package figures

import (
	"math"
	"testing"

	"loopbench/harness/results"
)

// TestWriting writes figures as the tables and chart labels do.
func TestWriting(t *testing.T) {
	tests := []struct{ got, want string }{
		{Num(0.012345), "0.0123"},  // three significant digits
		{Num(2008.4), "2008"},      // whole below ten thousand
		{Num(125_400), "125k"},     // thousands
		{Num(1_530_000), "1.53M"},  // millions
		{Num(-45_600), "-45.6k"},   // negative
		{Num(math.NaN()), "–"},     // no figure
		{Sig3(0), "0"},             // zero has no magnitude
		{Ratio(0.04396), "0.044×"}, // trailing zeros dropped
		{MiB(3 << 20), "3"},
		{KiB(1536), "1.5"},
		{Plural(1, "point"), "1 point"},
		{Plural(0, "point"), "0 points"},
		{WithInterval(results.Stat{Median: 12.34, Min: 11, Max: 13.1, N: 2}, Num), "12.3 (11–13.1, n=2)"},
		{WithInterval(results.Stat{}, Num), "–"},
		{Interval(results.Stat{}), "no repetition usable on both sides"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
