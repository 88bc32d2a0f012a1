package figures

import (
	"math"
	"testing"
)

// TestPercentileRule reads a percentile as a figure only when at least
// ten samples lie at or beyond it.
func TestPercentileRule(t *testing.T) {
	tests := []struct {
		q    float64
		n    int64
		want bool
	}{
		{50, 20, true},         // ten at or above the median
		{50, 19, false},        // nine
		{99, 1000, true},       // ten beyond p99
		{99, 999, false},       // a p99 of 999 requests rests on nine
		{99.9, 10_000, true},   // ten beyond p99.9
		{99.9, 9_999, false},   // just short
		{99.9, 800, false},     // the review's example: the slowest request, not a p99.9
		{99.99, 100_000, true}, // each nine asks ten times the samples
		{99, 0, false},         // nothing measured
	}
	for _, tt := range tests {
		if got := Resolved(tt.q, tt.n); got != tt.want {
			t.Errorf("Resolved(p%g, %d samples) = %v, want %v", tt.q, tt.n, got, tt.want)
		}
	}
	for q, want := range map[float64]int64{50: 20, 90: 100, 99: 1000, 99.9: 10_000} {
		if got := NeedSamples(q); got != want {
			t.Errorf("NeedSamples(p%g) = %d, want %d", q, got, want)
		}
	}
}

// TestPercentileWriting writes a resolved percentile as a figure, an
// unresolved one as n/r and a missing one as a dash.
func TestPercentileWriting(t *testing.T) {
	tests := []struct {
		v, q float64
		n    int64
		want string
	}{
		{12.34, 99, 5000, "12.3"},     // resolved
		{12.34, 99.9, 5000, "n/r"},    // too few for p99.9
		{math.NaN(), 99, 5000, "–"},   // no figure at all
		{0.0621, 50, 768, "0.0621"},   // a median needs few
		{10.2, 99.9, 260, Unresolved}, // the replay's /sleep route
	}
	for _, tt := range tests {
		if got := Percentile(tt.v, tt.q, tt.n, Num); got != tt.want {
			t.Errorf("Percentile(%v, p%g, %d) = %q, want %q", tt.v, tt.q, tt.n, got, tt.want)
		}
	}
}

// TestResolvedNines ends a spectrum where ten samples are left beyond.
func TestResolvedNines(t *testing.T) {
	tests := []struct {
		n    int64
		want float64
	}{
		{10, 0},       // not even p90
		{100, 1},      // p90
		{1000, 2},     // p99
		{3065, 2.486}, // between p99 and p99.9
		{1e6, 5},
	}
	for _, tt := range tests {
		if got := ResolvedNines(tt.n); math.Abs(got-tt.want) > 1e-3 {
			t.Errorf("ResolvedNines(%d) = %.3f, want %.3f", tt.n, got, tt.want)
		}
	}
}

// TestUnits writes bytes in binary units only.
func TestUnits(t *testing.T) {
	tests := []struct{ got, want string }{
		{Bytes(512), "512 B"},
		{Bytes(4341), "4.24 KiB"},           // 4341 / 1024
		{Bytes(22_960_000), "21.9 MiB"},     // 22.96e6 / 2^20
		{Bytes(25_232_932_864), "23.5 GiB"}, // a host's memory
		{Bytes(1024), "1 KiB"},              // exactly one
		{MiB(3 << 20), "3"},
		{KiB(1536), "1.5"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
