package report

import (
	"math"
	"testing"

	"loopbench/harness/analysis"
)

func TestKibFit(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		f    analysis.Fit
		want string
	}{
		{"no slope", analysis.Fit{Slope: nan, Lo: nan, Hi: nan}, "–"},
		{"two points, no interval", analysis.Fit{Slope: 4096, Lo: nan, Hi: nan, N: 2, Levels: 2}, "4"},
		{"interval", analysis.Fit{Slope: 4096, Lo: 3072, Hi: 5120, N: 6, Levels: 3}, "4 [3, 5]"},
		{"one count only", analysis.Fit{Slope: 4096, Lo: 3072, Hi: 5120, N: 6, Levels: 1}, "4"},
	} {
		if got := kibFit(tt.f); got != tt.want {
			t.Errorf("%s: kibFit = %q, want %q", tt.name, got, tt.want)
		}
	}
}
