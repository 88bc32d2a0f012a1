package capacity

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// threshold is a fake server that takes any rate up to its capacity, which
// is drawn anew for every probe around true with a relative spread: a host
// whose speed wanders from one probe to the next.
type threshold struct {
	true, spread float64
	rng          *rand.Rand
	clientMax    float64 // rates above it are client-bound (0: none)
	calls        int
}

func (f *threshold) Probe(_ context.Context, rate float64) (Probe, error) {
	f.calls++
	c := f.true
	if f.spread > 0 {
		c *= math.Exp(f.spread * f.rng.NormFloat64())
	}
	p := Probe{Held: rate <= c, Met: rate <= c, Achieved: min(rate, c), Took: 3 * time.Second}
	if f.clientMax > 0 && rate > f.clientMax {
		p.ClientBound, p.Held, p.Achieved = true, false, f.clientMax
	}
	return p, nil
}

func TestSearchFindsTheBoundary(t *testing.T) {
	for _, tc := range []struct {
		name         string
		start, truth float64
	}{
		{"start below", 1000, 37_000},
		{"start above", 500_000, 37_000},
		{"start at it", 37_000, 37_000},
		{"a slow server", 100_000, 180},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &threshold{true: tc.truth}
			r, err := Search{Start: tc.start}.Run(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if r.Limit != "" || r.Cut != "" {
				t.Fatalf("limit %q, cut %q", r.Limit, r.Cut)
			}
			if !(r.Low <= tc.truth && tc.truth <= r.High) {
				t.Errorf("capacity %.0f [%.0f, %.0f] misses the true %.0f", r.Capacity, r.Low, r.High, tc.truth)
			}
			if w := r.High / r.Low; w > 1.25 {
				t.Errorf("interval [%.0f, %.0f] is %.2f× wide on a host without noise", r.Low, r.High, w)
			}
			if len(r.Probes) > DefaultMaxProbes {
				t.Errorf("%d probes", len(r.Probes))
			}
		})
	}
}

// TestIntervalCoversOnANoisyHost runs seeded searches against a server
// whose capacity wanders by 8% from probe to probe: the interval must hold
// the median capacity in most of them, and must be wider than on a quiet
// host (the noise shows in it).
func TestIntervalCoversOnANoisyHost(t *testing.T) {
	const truth, runs = 20_000.0, 24
	covered, wider := 0, 0
	for seed := range uint64(runs) {
		f := &threshold{true: truth, spread: 0.08, rng: rand.New(rand.NewPCG(seed, 7))}
		r, err := Search{Start: 5000, Confirm: 10}.Run(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if r.Low <= truth && truth <= r.High {
			covered++
		}
		if r.High/r.Low > 1.1 {
			wider++
		}
	}
	if covered < runs*8/10 {
		t.Errorf("the interval held the true capacity in %d of %d searches", covered, runs)
	}
	if wider < runs/2 {
		t.Errorf("only %d of %d intervals were wider than 10%% with 8%% noise", wider, runs)
	}
}

func TestSearchLimits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		search Search
		f      *threshold
		want   string // in Limit
	}{
		{"passes everything", Search{Start: 1000, Max: 8000}, &threshold{true: 1e9}, "every probe passed"},
		{"fails everything", Search{Start: 1000, Min: 100}, &threshold{true: 10}, "every probe failed"},
		{"client-bound", Search{Start: 1000}, &threshold{true: 1e6, clientMax: 50_000}, "load generator could go no faster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.search.Run(context.Background(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Limit, tc.want) {
				t.Errorf("limit %q, want %q", r.Limit, tc.want)
			}
			if tc.f.calls > DefaultMaxProbes {
				t.Errorf("%d probes", tc.f.calls)
			}
		})
	}
}

func TestSearchBounds(t *testing.T) {
	f := &threshold{true: 30_000}
	r, err := Search{Start: 100, MaxProbes: 5}.Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 5 || !strings.Contains(r.Cut, "5 probes") {
		t.Errorf("%d probes, cut %q", f.calls, r.Cut)
	}
	f = &threshold{true: 30_000}
	r, err = Search{Start: 1000, Budget: 10 * time.Second}.Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	// Each probe says it took 3 s: a fourth would end past the budget.
	if f.calls != 3 || !strings.Contains(r.Cut, "time budget") {
		t.Errorf("%d probes, cut %q", f.calls, r.Cut)
	}
}

func TestSearchErrors(t *testing.T) {
	broken := ProberFunc(func(context.Context, float64) (Probe, error) { return Probe{}, errors.New("server did not start") })
	if _, err := (Search{Start: 1000}).Run(context.Background(), broken); err == nil || !strings.Contains(err.Error(), "did not start") {
		t.Errorf("err %v", err)
	}
	for _, s := range []Search{{}, {Start: 10, Min: 100, Max: 50}, {Start: 10, Confirm: -1}} {
		if _, err := s.Run(context.Background(), &threshold{true: 1}); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Search{Start: 1000}).Run(ctx, &threshold{true: 1e4}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestProgress(t *testing.T) {
	var seen []Progress
	s := Search{Start: 1000, Progress: func(p Progress) { seen = append(seen, p) }}
	r, err := s.Run(context.Background(), &threshold{true: 12_345})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(r.Probes) {
		t.Fatalf("%d progress reports for %d probes", len(seen), len(r.Probes))
	}
	last := seen[len(seen)-1]
	if last.Done != last.Total || last.ETA != 0 || last.Phase != "confirm" {
		t.Errorf("last report %+v", last)
	}
	for _, p := range seen {
		if p.Total < p.Done {
			t.Errorf("report %+v plans fewer probes than done", p)
		}
	}
}

func TestParseObjectives(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Objective
		err  string
	}{
		{"p99=5ms", []Objective{{99, 5 * time.Millisecond}}, ""},
		{"p50=1ms, p99.9=20ms", []Objective{{50, time.Millisecond}, {99.9, 20 * time.Millisecond}}, ""},
		{"", nil, "no latency objective"},
		{"99=5ms", nil, "not a percentile"},
		{"p99", nil, "no '='"},
		{"p100=5ms", nil, "between 0 and 100"},
		{"p99=fast", nil, "positive duration"},
		{"p99=-1ms", nil, "positive duration"},
		{"p99=5ms,p99=6ms", nil, "bounded twice"},
	} {
		got, err := ParseObjectives(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("%q: %v %v", tc.in, got, err)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q: %v, want %v", tc.in, got[i], tc.want[i])
			}
			if back, err := ParseObjective(got[i].String()); err != nil || back != got[i] {
				t.Errorf("%v does not read back: %v %v", got[i], back, err)
			}
		}
	}
}

func TestMet(t *testing.T) {
	objs := []Objective{{50, time.Millisecond}, {99, 5 * time.Millisecond}}
	lat := map[float64]time.Duration{50: 800 * time.Microsecond, 99: 7 * time.Millisecond}
	ok, why := Met(objs, func(p float64) time.Duration { return lat[p] })
	if ok || !strings.Contains(why, "p99 was 7ms") {
		t.Errorf("%v %q", ok, why)
	}
	lat[99] = 5 * time.Millisecond
	if ok, why := Met(objs, func(p float64) time.Duration { return lat[p] }); !ok {
		t.Errorf("at the bound: %q", why)
	}
}

func FuzzParseObjectives(f *testing.F) {
	for _, s := range []string{"p99=5ms", "p50=1ms,p99.9=20ms", "p=", "p99=", "=5ms", "p1e2=1s", "pNaN=1ms", "p99=5ms,,p50=1us"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		objs, err := ParseObjectives(s)
		if err != nil {
			return
		}
		for _, o := range objs {
			if !(o.Percentile > 0 && o.Percentile < 100) || o.Max <= 0 {
				t.Fatalf("%q gave %+v", s, o)
			}
		}
	})
}

// TestFitOpenInterval: probes that fail at every rate but one put the
// capacity below them; the answer is a bound, not an interval cut off at
// the end of the range the fit looked at.
func TestFitOpenInterval(t *testing.T) {
	// The rates one search on a busy host probed, in order: only the first passed.
	seq := []float64{1000, 2000, 1414, 1189, 1091, 1044, 1022, 973, 927, 883, 841, 801}
	p := ProberFunc(func(_ context.Context, rate float64) (Probe, error) {
		return Probe{Held: rate == 1000, Met: true}, nil
	})
	st := &state{s: Search{Start: 1000, Resolution: 0.05}.withDefaults(), p: p, t0: time.Now()}
	for _, r := range seq {
		if _, err := st.probe(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	res := st.result()
	if res.Bound != Below || res.Low != 0 || !(res.Capacity > 801 && res.Capacity < 1100) || !strings.Contains(res.Limit, "cannot bound it from below") {
		t.Errorf("%s %v [%v, %v]: %s; want a bound below the probes' range", res.Bound, res.Capacity, res.Low, res.High, res.Limit)
	}
}

// stalls fails the probes whose numbers (from 1) it lists, as a busy
// host's stall does, and is otherwise the threshold server f.
type stalls struct {
	f     *threshold
	fail  map[int]bool
	calls int
}

func (s *stalls) Probe(ctx context.Context, rate float64) (Probe, error) {
	s.calls++
	p, err := s.f.Probe(ctx, rate)
	if s.fail[s.calls] {
		p.Met = false
	}
	return p, err
}

// TestRecheckEscapesAStall: a stall that fails the first probe, far below
// the capacity, does not hold the search below it: the failing end of the
// bracket is probed again, passes, and the search goes on above it. A
// stall on the recheck too leaves the answer below, as the probes said.
func TestRecheckEscapesAStall(t *testing.T) {
	s := &stalls{f: &threshold{true: 30_000}, fail: map[int]bool{1: true}}
	r, err := Search{Start: 1000}.Run(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !(r.Low <= 30_000 && 30_000 <= r.High) || r.Bound != "" {
		t.Errorf("capacity %.0f [%.0f, %.0f] %s; want an interval holding 30000", r.Capacity, r.Low, r.High, r.Bound)
	}
	rechecks := 0
	for _, p := range r.Probes {
		if p.Phase == "recheck" {
			rechecks++
		}
	}
	if rechecks == 0 || len(r.Probes) > DefaultMaxProbes {
		t.Errorf("%d rechecks in %d probes", rechecks, len(r.Probes))
	}
	// A boundary twice confirmed at a rate is not rechecked again.
	s = &stalls{f: &threshold{true: 30_000}, fail: map[int]bool{1: true, 7: true}}
	if r, err = (Search{Start: 1000, Confirm: 2}).Run(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if r.Capacity > 2000 {
		t.Errorf("capacity %.0f after two failures at 1000", r.Capacity)
	}
}
