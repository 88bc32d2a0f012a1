// Package capacity finds the highest offered rate a server takes while its
// latency stays within an objective: the number operators compare servers
// and machines by ("how much load at p99 ≤ 5 ms"), as MLPerf's load
// generator searches for the highest rate that meets its latency bound.
//
// A search is a sequence of probes, each an open loop at one offered rate
// on a fresh server (the caller's Prober runs it). A probe passes when the
// point held its rate (its completions kept up with the schedule, its send
// lag and latency did not climb through the window) and met every
// objective. The search runs in four phases:
//
//  1. bracket: from the start rate, double (or halve) until one probe
//     passes and another fails;
//  2. bisect in log rate until the bracket is narrower than Resolution;
//  3. recheck: probe the bracket's failing end once more when a single
//     probe failed there. A busy host makes a probe fail (a stall lengthens
//     its tail), never pass, so one unlucky failure early in the search
//     would otherwise hold every later probe below it; when the recheck
//     passes, the search brackets and bisects again above it;
//  4. confirm: a one-up-one-down staircase of Confirm more probes around
//     the boundary (Dixon and Mood's up-and-down method), which puts the
//     repetitions where a probe's outcome is in doubt.
//
// The answer is the rate at which a probe passes half the time, from a
// logistic fit of every probe's outcome against log rate, with a 95%
// interval by profile likelihood (see fit.go). On a noisy host the same
// rate passes once and fails the next time; the fit turns that into the
// interval's width instead of letting one unlucky probe decide.
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"loopbench/harness/results"
)

// Probe is the outcome of one open loop at one offered rate.
type Probe struct {
	// Rate is the offered rate (requests per second); Achieved the rate of
	// correct answers completed within the window.
	Rate, Achieved float64
	// Held reports that the point held its rate; Met that it met every
	// objective. Reason says why it failed, in words.
	Held, Met bool
	Reason    string
	// ClientBound marks a probe whose load generator was the bottleneck:
	// its failure says nothing of the server.
	ClientBound bool
	// Latency is the latency at each objective's percentile.
	Latency map[float64]time.Duration
	// Took is the probe's wall time, server start and stop included.
	Took time.Duration
	// Phase is the search's phase when it was measured: "bracket",
	// "bisect", "recheck" or "confirm".
	Phase string
	// Point is the measured point behind the probe, where the prober
	// measured one (PointProber).
	Point *results.Point
}

// Pass reports whether the server took the rate within the objectives.
func (p Probe) Pass() bool { return p.Held && p.Met }

// Prober measures one probe at rate on a fresh server.
type Prober interface {
	Probe(ctx context.Context, rate float64) (Probe, error)
}

// ProberFunc adapts a function to a Prober.
type ProberFunc func(ctx context.Context, rate float64) (Probe, error)

// Probe calls f.
func (f ProberFunc) Probe(ctx context.Context, rate float64) (Probe, error) { return f(ctx, rate) }

// Search bounds a search and says where it starts.
type Search struct {
	// Start is the first rate probed; Min and Max bound every probe.
	Start, Min, Max float64
	// Resolution is the bracket's relative width at which bisection stops
	// (0.05: the highest passing and lowest failing rates within 5%).
	Resolution float64
	// Confirm is the number of staircase probes after bisection.
	Confirm int
	// MaxProbes and Budget bound the whole search; a search cut short by
	// either still answers from the probes it has, and says so.
	MaxProbes int
	Budget    time.Duration
	// Progress, if set, is told of each probe as it ends.
	Progress func(Progress)
}

// Progress is what a search has done so far, for a progress line.
type Progress struct {
	Phase       string // "bracket", "bisect", "recheck" or "confirm"
	Done, Total int    // probes done and the planned total
	Last        Probe
	ETA         time.Duration
}

// Defaults for a zero field of Search.
const (
	DefaultResolution = 0.05
	DefaultConfirm    = 6
	DefaultMaxProbes  = 24
)

// The bounds of an answer that is not an estimate (Result.Bound).
const (
	AtLeast = "≥"
	Below   = "<"
)

// Result is a search's answer.
type Result struct {
	// Capacity is the rate at which a probe passes half the time; Low and
	// High its 95% interval. Where Limit is set, Capacity is a bound, not
	// an estimate (Low and High then bracket what was seen).
	Capacity, Low, High float64
	// Limit says why the answer is a bound: every probe passed up to Max,
	// every probe failed down to Min, or the client could go no faster.
	// Bound is then "≥" (the capacity is at least Capacity) or "<" (it
	// is below Capacity, the lowest rate probed).
	Limit string
	Bound string
	// Cut says the search stopped on MaxProbes or Budget before its end.
	Cut    string
	Probes []Probe
	Took   time.Duration
}

// Run searches with p. It returns an error only when a probe could not be
// measured at all (a server that did not start), or ctx ended.
func (s Search) Run(ctx context.Context, p Prober) (Result, error) {
	if err := s.check(); err != nil {
		return Result{}, err
	}
	st := &state{s: s.withDefaults(), p: p, t0: time.Now(), rechecked: map[float64]bool{}}
	err := st.bracket(ctx, st.s.Start)
	for err == nil && st.limit == "" {
		if err = st.bisect(ctx); err != nil {
			break
		}
		again, rerr := st.recheck(ctx)
		if err = rerr; err != nil || !again {
			break
		}
		if st.hi == 0 {
			err = st.bracket(ctx, min(st.lo*2, st.s.Max))
		}
	}
	if err == nil && st.limit == "" {
		err = st.confirm(ctx)
	}
	return st.result(), err
}

func (s Search) check() error {
	switch {
	case !(s.Start > 0):
		return errors.New("capacity: the start rate must be positive")
	case s.Min < 0 || (s.Max > 0 && s.Max < s.Min):
		return fmt.Errorf("capacity: rate bounds [%g, %g] are empty: Min must be at most Max", s.Min, s.Max)
	case s.Resolution < 0 || s.Confirm < 0 || s.MaxProbes < 0 || s.Budget < 0:
		return errors.New("capacity: resolution, confirm, max probes and budget cannot be negative")
	}
	return nil
}

func (s Search) withDefaults() Search {
	if s.Resolution == 0 {
		s.Resolution = DefaultResolution
	}
	if s.Confirm == 0 {
		s.Confirm = DefaultConfirm
	}
	if s.MaxProbes == 0 {
		s.MaxProbes = DefaultMaxProbes
	}
	if s.Max == 0 {
		s.Max = math.Inf(1)
	}
	if s.Min == 0 {
		s.Min = s.Start / 1024
	}
	s.Start = min(max(s.Start, s.Min), s.Max)
	return s
}

// state is a search under way: lo is the highest rate that passed and hi
// the lowest that failed (0 while unknown).
type state struct {
	s      Search
	p      Prober
	t0     time.Time
	probes []Probe
	lo, hi float64
	limit  string
	bound  string
	cut    string
	phase  string
	// confirmed counts the staircase's probes so far; rechecked holds the
	// rates probed again by recheck.
	confirmed int
	rechecked map[float64]bool
}

// errStop ends a search that ran into MaxProbes or its Budget.
var errStop = errors.New("capacity: search cut short")

// probe measures rate, unless the search's bounds forbid another probe.
func (st *state) probe(ctx context.Context, rate float64) (Probe, error) {
	if err := st.room(); err != nil {
		return Probe{}, err
	}
	t := time.Now()
	pr, err := st.p.Probe(ctx, rate)
	if err != nil {
		return pr, fmt.Errorf("capacity: probe at %.0f req/s: %w", rate, err)
	}
	pr.Rate, pr.Phase = rate, st.phase
	if pr.Took == 0 {
		pr.Took = time.Since(t)
	}
	st.probes = append(st.probes, pr)
	if pr.Pass() {
		st.lo = max(st.lo, rate)
	} else if st.hi == 0 || rate < st.hi {
		st.hi = rate
	}
	st.report(pr)
	return pr, ctx.Err()
}

// room says whether another probe fits MaxProbes and the Budget.
func (st *state) room() error {
	if len(st.probes) >= st.s.MaxProbes {
		st.cut = fmt.Sprintf("stopped at its limit of %d probes", st.s.MaxProbes)
		return errStop
	}
	if b := st.s.Budget; b > 0 && len(st.probes) > 0 && st.elapsed()+st.meanTook() > b {
		st.cut = fmt.Sprintf("stopped by its time budget of %v", b)
		return errStop
	}
	return nil
}

// elapsed is the search's time so far: the wall clock's, or the probes'
// own where they say they took longer (a prober that measures elsewhere).
func (st *state) elapsed() time.Duration {
	var sum time.Duration
	for _, p := range st.probes {
		sum += p.Took
	}
	return max(time.Since(st.t0), sum)
}

func (st *state) meanTook() time.Duration {
	if len(st.probes) == 0 {
		return 0
	}
	var sum time.Duration
	for _, p := range st.probes {
		sum += p.Took
	}
	return sum / time.Duration(len(st.probes))
}

// bracket doubles or halves the rate until a pass and a fail enclose the
// boundary, or a bound is reached.
func (st *state) bracket(ctx context.Context, rate float64) error {
	st.phase = "bracket"
	for {
		pr, err := st.probe(ctx, rate)
		if err != nil {
			return ignoreStop(err)
		}
		switch {
		case st.lo > 0 && st.hi > 0:
			if pr.ClientBound && !pr.Pass() {
				st.bound = AtLeast
				st.limit = fmt.Sprintf("the load generator could go no faster than about %.0f req/s (client-bound at %.0f offered): the server's capacity may be higher", pr.Achieved, pr.Rate)
			}
			return nil
		case pr.Pass() && rate >= st.s.Max:
			st.bound = AtLeast
			st.limit = fmt.Sprintf("every probe passed, up to the highest rate allowed (%.0f req/s)", st.s.Max)
			return nil
		case !pr.Pass() && rate <= st.s.Min:
			st.bound = Below
			st.limit = fmt.Sprintf("every probe failed, down to the lowest rate allowed (%.0f req/s)", st.s.Min)
			return nil
		case pr.Pass():
			rate = min(rate*2, st.s.Max)
		default:
			rate = max(rate/2, st.s.Min)
		}
	}
}

// recheck probes the bracket's failing end once more when one probe alone
// failed there, and reports whether it passed this time: the lowest
// failing rate is then the next one above, or none, and the search goes on
// above it. A client-bound failure is not rechecked: it is the load
// generator's.
func (st *state) recheck(ctx context.Context) (bool, error) {
	hi := st.hi
	if hi == 0 || st.rechecked[hi] || st.failures(hi) != 1 {
		return false, nil
	}
	st.rechecked[hi] = true
	st.phase = "recheck"
	pr, err := st.probe(ctx, hi)
	if err != nil || !pr.Pass() {
		return false, ignoreStop(err)
	}
	st.hi = 0
	for _, p := range st.probes {
		if !p.Pass() && p.Rate > st.lo && (st.hi == 0 || p.Rate < st.hi) {
			st.hi = p.Rate
		}
	}
	return true, nil
}

// failures counts the probes at rate that failed, none of them
// client-bound (-1 if one was).
func (st *state) failures(rate float64) int {
	n := 0
	for _, p := range st.probes {
		switch {
		case p.Rate != rate || p.Pass():
		case p.ClientBound:
			return -1
		default:
			n++
		}
	}
	return n
}

// bisect halves the bracket in log rate until it is within Resolution.
func (st *state) bisect(ctx context.Context) error {
	st.phase = "bisect"
	for st.hi/st.lo > 1+st.s.Resolution && st.lo < st.hi {
		if _, err := st.probe(ctx, math.Sqrt(st.lo*st.hi)); err != nil {
			return ignoreStop(err)
		}
	}
	return nil
}

// confirm runs the staircase: one step of Resolution up after a pass, one
// down after a fail, starting between the bracket's ends.
func (st *state) confirm(ctx context.Context) error {
	st.phase = "confirm"
	step := 1 + st.s.Resolution
	rate := math.Sqrt(st.lo * max(st.hi, st.lo))
	for range st.s.Confirm {
		st.confirmed++
		pr, err := st.probe(ctx, min(max(rate, st.s.Min), st.s.Max))
		if err != nil {
			return ignoreStop(err)
		}
		if pr.Pass() {
			rate *= step
		} else {
			rate /= step
		}
	}
	return nil
}

func ignoreStop(err error) error {
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// report tells Progress of a probe, with the planned total and an ETA.
func (st *state) report(last Probe) {
	if st.s.Progress == nil {
		return
	}
	total := len(st.probes) + st.left()
	st.s.Progress(Progress{Phase: st.phase, Done: len(st.probes), Total: total, Last: last,
		ETA: time.Duration(st.left()) * st.meanTook()})
}

// left estimates the probes still to come: the bisection's steps and the
// staircase (one more bracketing step while the bracket is open).
func (st *state) left() int {
	n := st.s.Confirm
	switch {
	case st.phase == "confirm":
		n = st.s.Confirm - st.confirmed
	case st.lo > 0 && st.hi > 0:
		n += bisections(st.lo, st.hi, st.s.Resolution)
	default:
		n += 1 + bisections(1, 2, st.s.Resolution)
	}
	return min(n, st.s.MaxProbes-len(st.probes))
}

// bisections is the number of halvings (in log rate) that narrow [lo, hi]
// to within res.
func bisections(lo, hi, res float64) int {
	if hi <= lo*(1+res) {
		return 0
	}
	return int(math.Ceil(math.Log2(math.Log(hi/lo) / math.Log(1+res))))
}

// result fits the probes and states the answer. Without a pass and a
// fail to enclose the boundary (a bound was reached, or the search was cut
// short while bracketing) the answer is a bound: at least the highest
// rate that passed, or below the lowest that failed.
func (st *state) result() Result {
	r := Result{Probes: st.probes, Limit: st.limit, Bound: st.bound, Cut: st.cut, Took: time.Since(st.t0)}
	if len(st.probes) == 0 {
		return r
	}
	if r.Bound == "" && st.hi == 0 {
		r.Bound = AtLeast
	} else if r.Bound == "" && st.lo == 0 {
		r.Bound = Below
	}
	switch r.Bound {
	case AtLeast:
		r.Capacity, r.Low, r.High = st.lo, st.lo, max(st.hi, st.lo)
	case Below:
		r.Capacity, r.Low, r.High = st.hi, 0, st.hi
	default:
		r.fitted(fit(st.probes, math.Log1p(st.s.Resolution)))
	}
	return r
}

// fitted states the fit's answer, or a bound where its interval is open
// on one side: probes that mostly failed at every rate tried (a pass among
// them notwithstanding) put the capacity below them, and probes that
// mostly passed, above.
func (r *Result) fitted(f fitted) {
	r.Capacity, r.Low, r.High = math.Exp(f.mid), math.Exp(f.low), math.Exp(f.high)
	switch {
	case math.IsNaN(f.mid): // every probe was a client-bound failure
		r.Capacity, r.Low, r.High = 0, 0, 0
		r.Limit = "no probe said anything of the server: every failure was the load generator's"
	case f.openLow && !f.openHigh:
		r.Bound, r.Capacity, r.Low = Below, r.High, 0
		r.Limit = fmt.Sprintf("the probes failed at most rates tried: the fit puts the capacity below %.0f req/s and cannot bound it from below", r.High)
	case f.openHigh && !f.openLow:
		r.Bound, r.Capacity, r.High = AtLeast, r.Low, r.Low
		r.Limit = fmt.Sprintf("the probes passed at most rates tried: the fit puts the capacity above %.0f req/s and cannot bound it from above", r.Low)
	}
}
