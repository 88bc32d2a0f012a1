package runner

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"loopbench/harness/results"
	"loopbench/servers/model"
)

// TestWindowLag cuts readings to a window from 10.000 s to 11.000 s after
// t0 on this host's clock, the readings stamped on a server clock ahead of
// it by the offset.
func TestWindowLag(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start, end := t0.Add(10*time.Second), t0.Add(11*time.Second)
	// at: when the reading was seen, on this host's clock, in ms after t0.
	type reading struct{ atMs, lateUs int64 }
	tests := []struct {
		name     string
		offset   time.Duration
		readings []reading
		want     *results.LoopLag
	}{
		{"before, inside and after", 0, []reading{
			{5_000, 900_000},                            // start-up's stall, before
			{10_010, 100}, {10_500, 300}, {10_990, 200}, // inside
			{12_000, 50_000}, {11_500, 400_000}}, // after, the stall beginning after the end
			&results.LoopLag{P50: 0.2, P99: 0.3, Max: 0.3, Samples: 3}},
		{"stalls across the edges count whole", 0, []reading{
			{10_100, 300_000}, // due at 9.8 s, seen inside
			{10_500, 1_000},
			{11_200, 250_000}}, // due at 10.95 s, seen after the end
			&results.LoopLag{P50: 250, P99: 300, Max: 300, Samples: 3}},
		{"a loop blocked through the window", 0, []reading{{12_000, 2_500_000}},
			&results.LoopLag{P50: 2500, P99: 2500, Max: 2500, Samples: 1}},
		{"none inside", 0, []reading{{9_000, 10}, {11_100, 10}}, nil},
		{"no readings", 0, nil, nil},
		// The server's clock runs 2 s ahead: its readings stamped 12.5 s
		// were taken 10.5 s after t0 here, in the window; those stamped
		// 10.5 s, before it.
		{"server clock ahead", 2 * time.Second, []reading{{10_500 + 2_000, 700}, {10_500, 90_000}, {13_500, 90_000}},
			&results.LoopLag{P50: 0.7, P99: 0.7, Max: 0.7, Samples: 1}},
		{"server clock behind", -3 * time.Second, []reading{{10_500 - 3_000, 700}, {10_500, 90_000}},
			&results.LoopLag{P50: 0.7, P99: 0.7, Max: 0.7, Samples: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []model.LagReading
			for _, r := range tt.readings {
				at := t0.Add(time.Duration(r.atMs) * time.Millisecond)
				rs = append(rs, model.LagReading{UnixNano: at.UnixNano(), LateUs: r.lateUs})
			}
			got := windowLag(model.PackLagReadings(10*time.Millisecond, rs, 0), tt.offset, start, end)
			if !sameLag(got, tt.want) {
				t.Errorf("windowLag = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestPointLag: a server that kept no readings gives its whole-life
// figures, as before; one with none in the window gives no loop lag and
// says so; one that dropped readings the window needed says so.
func TestPointLag(t *testing.T) {
	t0 := time.Now().Truncate(time.Millisecond) // as readings are stamped
	w := &window{}
	w.set(t0, t0.Add(time.Second))
	at := func(d time.Duration, lateUs int64) model.LagReading {
		return model.LagReading{UnixNano: t0.Add(d).UnixNano(), LateUs: lateUs}
	}
	whole := model.LoopLag{P50: 1, P99: 2, Max: 3}
	tests := []struct {
		name  string
		stats model.Stats
		want  *results.LoopLag
		note  string // in the log; "" for none
	}{
		{"no readings (an older server)", model.Stats{LoopLag: whole}, &results.LoopLag{P50: 1, P99: 2, Max: 3}, ""},
		{"readings", model.Stats{LoopLag: whole, Readings: model.PackLagReadings(10*time.Millisecond,
			[]model.LagReading{at(-time.Second, 9000), at(500*time.Millisecond, 40)}, 0)},
			&results.LoopLag{P50: 0.04, P99: 0.04, Max: 0.04, Samples: 1}, ""},
		{"none in the window", model.Stats{LoopLag: whole, Readings: model.PackLagReadings(10*time.Millisecond,
			[]model.LagReading{at(-time.Second, 9000)}, 0)}, nil, "none of its 1 loop lag readings"},
		{"the oldest dropped", model.Stats{LoopLag: whole, Readings: model.PackLagReadings(10*time.Millisecond,
			[]model.LagReading{at(600*time.Millisecond, 40)}, 5000)},
			&results.LoopLag{P50: 0.04, P99: 0.04, Max: 0.04, Samples: 1}, "covers the window from 600ms after its start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			r := &Runner{cfg: Config{Log: &log}}
			got := r.pointLag("server x", &tt.stats, 0, w)
			if !sameLag(got, tt.want) {
				t.Errorf("pointLag = %+v, want %+v", got, tt.want)
			}
			if (tt.note == "") != (log.Len() == 0) || !strings.Contains(log.String(), tt.note) {
				t.Errorf("log %q, want a note with %q", log.String(), tt.note)
			}
		})
	}
}

// sameLag compares loop lags to the histogram's precision, 3 significant
// digits.
func sameLag(got, want *results.LoopLag) bool {
	if got == nil || want == nil {
		return got == want
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= b*1e-3 }
	return near(got.P50, want.P50) && near(got.P99, want.P99) && near(got.Max, want.Max) && got.Samples == want.Samples
}
