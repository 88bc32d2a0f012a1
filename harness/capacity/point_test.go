package capacity

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"loopbench/harness/results"
)

// openPoint is a valid open-loop point at rate whose every request took
// lat µs, with an HDR histogram.
func openPoint(t *testing.T, rate float64, lat int64) *results.Point {
	t.Helper()
	h := results.NewHistogram()
	h.RecordValues(lat, 1000)
	l, err := results.Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	return &results.Point{Mode: "open", Rate: rate, Requests: 1000, Throughput: rate, Latency: l,
		Schedule: &results.Schedule{Offered: rate, Completed: rate, Held: true}, Validity: results.Validity{Status: results.Valid}}
}

func TestJudge(t *testing.T) {
	objs := []Objective{{99, 5 * time.Millisecond}, {99.9, 8 * time.Millisecond}}
	for _, tt := range []struct {
		name            string
		change          func(p *results.Point)
		held, met, pass bool
		reason          string
	}{
		{"within the objectives", func(*results.Point) {}, true, true, true, ""},
		{"over p99", func(p *results.Point) { *p = *openPoint(t, p.Rate, 6000) }, true, false, false, "p99 was 6ms"},
		{"did not hold its rate", func(p *results.Point) {
			p.Schedule.Held = false
			p.Validity = results.Validity{Status: results.Partial, Reasons: []string{"did not hold its rate: it fell behind"}}
		}, false, true, false, "did not hold its rate"},
		{"partial for another reason", func(p *results.Point) {
			p.Validity = results.Validity{Status: results.Partial, Reasons: []string{"3 of 100 requests failed"}}
		}, false, true, false, "requests failed"},
		{"failed", func(p *results.Point) { p.Failed, p.FailReason = true, "the server exited" }, false, false, false, "the server exited"},
		{"no answer", func(p *results.Point) { p.Requests = 0 }, true, false, false, "no correct answer"},
		{"no histogram: the summary's percentiles", func(p *results.Point) {
			p.Latency = results.Latency{Count: 10, P99: 1000, P999: 2000}
		}, true, true, true, ""},
		{"no histogram, a percentile the summary lacks", func(p *results.Point) {
			p.Latency = results.Latency{Count: 10, P99: 1000, P999: 2000}
			p.Rate = -1 // marks the case below
		}, true, false, false, "p99.5 could not be read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := openPoint(t, 1000, 3000)
			tt.change(p)
			os := objs
			if p.Rate == -1 {
				os = []Objective{{99.5, time.Second}}
			}
			pr := Judge(p, os)
			if pr.Held != tt.held || pr.Met != tt.met || pr.Pass() != tt.pass || !strings.Contains(pr.Reason, tt.reason) || pr.Point != p {
				t.Errorf("held %v met %v pass %v reason %q; want %v %v %v %q", pr.Held, pr.Met, pr.Pass(), pr.Reason, tt.held, tt.met, tt.pass, tt.reason)
			}
		})
	}
	p := openPoint(t, 1000, 3000)
	p.ClientBound = true
	if pr := Judge(p, objs); !pr.ClientBound || (pr.Latency[99]-3*time.Millisecond).Abs() > 10*time.Microsecond || pr.Achieved != 1000 {
		t.Errorf("client-bound %v, p99 %v, achieved %v", pr.ClientBound, pr.Latency[99], pr.Achieved)
	}
}

// TestPointProberSearch runs a search through a PointProber whose points
// come from a fake server of capacity 8000, and stores its answer.
func TestPointProberSearch(t *testing.T) {
	objs := []Objective{{99, 5 * time.Millisecond}}
	pp := PointProber{Objectives: objs, Measure: func(_ context.Context, rate float64) (*results.Point, error) {
		lat := int64(1000)
		if rate > 8000 {
			lat = 40_000
		}
		return openPoint(t, rate, lat), nil
	}}
	res, err := Search{Start: 1000, Confirm: 2}.Run(context.Background(), pp)
	if err != nil {
		t.Fatal(err)
	}
	curve, err := pp.Probe(context.Background(), 2*res.Capacity)
	if err != nil {
		t.Fatal(err)
	}
	rec := Record("plaintext", "eventloop", "default", objs, res, []Probe{curve})
	if !(rec.Low <= 8000 && 8000 <= rec.High) || rec.Objectives[0] != "p99=5ms" || rec.Bound != "" {
		t.Errorf("stored %v [%v, %v] %q at %v", rec.Capacity, rec.Low, rec.High, rec.Bound, rec.Objectives)
	}
	last := rec.Probes[len(rec.Probes)-1]
	if len(rec.Probes) != len(res.Probes)+1 || last.Phase != results.PhaseCurve || last.Pass() || last.Point.Rate != 2*res.Capacity {
		t.Errorf("%d probes stored for %d; the last %+v", len(rec.Probes), len(res.Probes), last)
	}
	if rec.Probes[0].Phase != "bracket" || rec.Probes[0].Point.Mode != "open" {
		t.Errorf("the first probe %+v", rec.Probes[0])
	}
	broken := PointProber{Objectives: objs, Measure: func(context.Context, float64) (*results.Point, error) { return nil, errors.New("no server") }}
	if _, err := broken.Probe(context.Background(), 100); err == nil {
		t.Error("a point not measured: no error")
	}
}

// TestCutWhileBracketing: a search stopped before the bracket closed
// answers with a bound, never a fit of one-sided probes.
func TestCutWhileBracketing(t *testing.T) {
	r, err := Search{Start: 1000, MaxProbes: 2}.Run(context.Background(), &threshold{true: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	if r.Bound != AtLeast || r.Capacity != 2000 || r.Cut == "" {
		t.Errorf("all passed, cut: %s %v, cut %q", r.Bound, r.Capacity, r.Cut)
	}
	r, err = Search{Start: 1000, MaxProbes: 2}.Run(context.Background(), &threshold{true: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Bound != Below || r.Capacity != 500 || r.Low != 0 {
		t.Errorf("all failed, cut: %s %v [%v, %v]", r.Bound, r.Capacity, r.Low, r.High)
	}
}

func TestCostPerMillion(t *testing.T) {
	// 0.36 an hour at 100 req/s: 360,000 requests an hour, a million cost 1.
	if c := CostPerMillion(0.36, 100); math.Abs(c-1) > 1e-12 {
		t.Errorf("cost %v, want 1", c)
	}
	iv := Interval{Value: 100, Low: 80, High: 125}.inverse(CostPerMillion(0.36, 1))
	if math.Abs(iv.Value-1) > 1e-12 || math.Abs(iv.Low-0.8) > 1e-12 || math.Abs(iv.High-1.25) > 1e-12 {
		t.Errorf("cost interval %+v, want 1 [0.8, 1.25]", iv)
	}
	if b := (Interval{Value: 100, Bound: AtLeast}).inverse(1); b.Bound != "≤" || b.String() != "≤ 0.01" {
		t.Errorf("the cost of a capacity of at least 100: %+v %q", b, b.String())
	}
}

// TestRatioBounds checks each combination of bounds on the two sides.
func TestRatioBounds(t *testing.T) {
	est := Interval{Value: 100, Low: 90, High: 110}
	for _, tt := range []struct {
		b, a Interval
		want string
	}{
		{est, est, "1× [0.868, 1.15]"},
		{est, Interval{Value: 50, Bound: AtLeast}, "≤ 2×"},
		{est, Interval{Value: 50, Bound: Below}, "> 2×"},
		{Interval{Value: 200, Bound: AtLeast}, est, "≥ 2×"},
		{Interval{Value: 200, Bound: Below}, est, "< 2×"},
		{Interval{Value: 200, Bound: Below}, Interval{Value: 50, Bound: AtLeast}, "< 4×"},
		{Interval{Value: 200, Bound: AtLeast}, Interval{Value: 50, Bound: AtLeast}, "–"},
	} {
		if got := ratio(tt.b, tt.a).Ratio(); got != tt.want {
			t.Errorf("%+v ÷ %+v = %q, want %q", tt.b, tt.a, got, tt.want)
		}
	}
}

// TestRecordInvalid counts the probes that failed on their validity alone.
func TestRecordInvalid(t *testing.T) {
	objs := []Objective{{99, 5 * time.Millisecond}}
	ok := Judge(openPoint(t, 1000, 1000), objs)
	noisy := openPoint(t, 1200, 1000)
	noisy.Validity = results.Validity{Status: results.Partial, Reasons: []string{"the kernel retransmitted 3 segments"}}
	late := openPoint(t, 1400, 1000)
	late.Schedule.Held = false
	late.Validity = results.Validity{Status: results.Partial, Reasons: []string{"did not hold its rate"}}
	res := Result{Probes: []Probe{ok, Judge(noisy, objs), Judge(late, objs)}}
	c := Record("w", "m", "default", objs, res, nil)
	if !strings.HasPrefix(c.Invalid, "1 of 3 probes failed on their validity alone") || !strings.Contains(c.Invalid, "retransmitted 3") {
		t.Errorf("invalid %q", c.Invalid)
	}
	if c := Record("w", "m", "default", objs, Result{Probes: []Probe{ok}}, nil); c.Invalid != "" {
		t.Errorf("no invalid probe: %q", c.Invalid)
	}
}
