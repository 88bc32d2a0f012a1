// Package bisect finds the first commit of a performance regression by
// binary search over the first-parent commits between a good and a bad
// revision, each step a paired A/B comparison, as git bisect does for a
// bug. A benchmark's answer is uncertain, so every step is a test with a
// confidence and three outcomes: regressed (the step's pairs differ from
// the good build: the signed-rank test rejects no change), not regressed
// (they differ from the full regression: the test rejects the regression's
// size), or cannot tell (neither), where the search stops and names the
// range left rather than guess.
package bisect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"loopbench/harness/compare"
)

// Measurer measures two builds against each other, pair by pair.
// loopbench ab implements it; tests plant an effect in a fake.
type Measurer interface {
	// Measure compares head against base and returns each back-to-back
	// pair's head/base ratio of the figure the search follows.
	Measure(ctx context.Context, base, head string) ([]float64, error)
}

// Options tune a search.
type Options struct {
	// Alpha is each step's significance level (default 0.05).
	Alpha float64
	// HigherBetter says the figure is better higher (throughput), so a
	// regression lowers it.
	HigherBetter bool
	// MinShare is the smallest share of the regression's size a step's
	// change must reach to count as a part of it (default 0.25): a smaller
	// change, even one the test tells from no change, is the host's drift
	// or noise between builds, and the step is not regressed when it
	// differs from the whole regression.
	MinShare float64
	// Log receives each step as it is decided.
	Log io.Writer
}

// The verdicts of a step.
const (
	Regressed   = "regressed"
	NotYet      = "not regressed"
	CannotTell  = "cannot tell"
	NoneToFind  = "no regression"
	partialNote = "part of the regression"
)

// Step is one measured comparison of the search.
type Step struct {
	// Base and Head are the commits compared; Index is Head's position in
	// the searched commits (0 the good one).
	Base, Head string
	Index      int
	// Ratio is head/base over the pairs with its 95% interval; P the
	// signed-rank test's p against no change and PSize against the
	// regression's size (NaN at the first step, which measures it).
	Ratio    compare.PairRatio
	P, PSize float64
	// Verdict is Regressed, NotYet or CannotTell (NoneToFind at the first
	// step when good and bad do not differ); Confidence is 1 - the p of the
	// test that decided it (0 for CannotTell); Note qualifies it.
	Verdict    string
	Confidence float64
	Note       string
}

// Result is a search's outcome.
type Result struct {
	Steps []Step
	// First is the first bad commit found, "" when the search stopped.
	First string
	// Lo and Hi bound the range left: the last commit known good and the
	// first known bad (First when found).
	Lo, Hi string
	// Verdict is "found", CannotTell or NoneToFind.
	Verdict string
}

// Search bisects commits, oldest first: commits[0] is the good revision and
// the last the bad one. It first measures bad against good for the
// regression's size, then each midpoint against good.
func Search(ctx context.Context, m Measurer, commits []string, o Options) (Result, error) {
	if len(commits) < 2 {
		return Result{}, errors.New("bisect needs a good and a bad commit, the good one an ancestor of the bad")
	}
	if o.Alpha <= 0 {
		o.Alpha = 0.05
	}
	if o.MinShare <= 0 {
		o.MinShare = 0.25
	}
	good, lo, hi := commits[0], 0, len(commits)-1
	res := Result{Lo: good, Hi: commits[hi]}
	first, err := measure(ctx, m, good, commits[hi], hi)
	if err != nil {
		return res, err
	}
	if first.Verdict == CannotTell {
		return res, fmt.Errorf("measuring %s against %s: %s", short(first.Head), short(good), first.Note)
	}
	size := math.Log(first.Ratio.Center)
	if first.P >= o.Alpha || !worse(first.Ratio.Center, o.HigherBetter) {
		first.Verdict, first.Confidence = NoneToFind, 0
		res.Verdict = NoneToFind
		res.Steps = append(res.Steps, o.log(first))
		return res, nil
	}
	first.Verdict, first.Confidence = Regressed, 1-first.P
	res.Steps = append(res.Steps, o.log(first))
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		st, err := measure(ctx, m, good, commits[mid], mid)
		if err != nil {
			return res, err
		}
		if st.Verdict == "" {
			st.PSize = pSize(st.Ratio.Ratios, size)
			decide(&st, size, o)
		}
		res.Steps = append(res.Steps, o.log(st))
		switch st.Verdict {
		case Regressed:
			hi = mid
		case NotYet:
			lo = mid
		default:
			res.Lo, res.Hi, res.Verdict = commits[lo], commits[hi], CannotTell
			return res, nil
		}
	}
	res.Lo, res.Hi, res.First, res.Verdict = commits[lo], commits[hi], commits[hi], "found"
	return res, nil
}

// measure runs one comparison and tests it against no change. A
// comparison left with fewer than compare.MinPairs pairs (partial points
// leave theirs out) is a step that cannot tell.
func measure(ctx context.Context, m Measurer, base, head string, index int) (Step, error) {
	ratios, err := m.Measure(ctx, base, head)
	if err != nil {
		return Step{}, fmt.Errorf("measuring %s against %s: %w", short(head), short(base), err)
	}
	st := Step{Base: base, Head: head, Index: index, PSize: math.NaN()}
	st.Ratio, st.P = compare.PairedCenter(ratios)
	if len(ratios) < compare.MinPairs {
		st.Verdict = CannotTell
		st.Note = fmt.Sprintf("%d pairs, the paired test needs %d (raise --reps, or look for partial points)", len(ratios), compare.MinPairs)
	}
	return st, nil
}

// pSize is the signed-rank test's p of the log ratios against the
// regression's size: small when the step's change is not the whole
// regression.
func pSize(ratios []float64, size float64) float64 {
	d := make([]float64, len(ratios))
	for i, r := range ratios {
		d[i] = math.Log(r) - size
	}
	return compare.SignedRankTest(d).P
}

// decide gives a midpoint's verdict: regressed when it differs from the
// good build in the regression's direction by at least MinShare of the
// regression, not regressed when it differs from the full regression
// towards the good build, else cannot tell.
func decide(st *Step, size float64, o Options) {
	c := math.Log(st.Ratio.Center)
	towardsBad := (size > 0 && c > 0) || (size < 0 && c < 0)
	partway := math.Abs(c) < math.Abs(size)
	switch {
	case st.P < o.Alpha && towardsBad && math.Abs(c) < o.MinShare*math.Abs(size) && st.PSize < o.Alpha:
		st.Verdict, st.Confidence = NotYet, 1-st.PSize
		st.Note = fmt.Sprintf("a change of %.0f%% of the regression, under the %.0f%% a part of it must reach", 100*math.Abs(c)/math.Abs(size), 100*o.MinShare)
	case st.P < o.Alpha && towardsBad:
		st.Verdict, st.Confidence = Regressed, 1-st.P
		if st.PSize < o.Alpha && partway {
			st.Note = partialNote
		}
	case st.PSize < o.Alpha && partway:
		st.Verdict, st.Confidence = NotYet, 1-st.PSize
	default:
		st.Verdict = CannotTell
	}
}

func worse(ratio float64, higherBetter bool) bool {
	return (higherBetter && ratio < 1) || (!higherBetter && ratio > 1)
}

// log writes a step as it is decided and returns it.
func (o Options) log(st Step) Step {
	if o.Log != nil {
		fmt.Fprintln(o.Log, "bisect: "+st.String())
	}
	return st
}

// String is a step in one line.
func (st Step) String() string {
	s := fmt.Sprintf("%s against %s: ×%.3f", short(st.Head), short(st.Base), st.Ratio.Center)
	if st.Ratio.HasCI {
		s += fmt.Sprintf(" [%.3f, %.3f]", st.Ratio.Lo, st.Ratio.Hi)
	}
	s += fmt.Sprintf(" over %d pairs, p %.3f against no change", st.Ratio.N(), st.P)
	if !math.IsNaN(st.PSize) {
		s += fmt.Sprintf(", %.3f against the regression", st.PSize)
	}
	s += ": " + st.Verdict
	if st.Confidence > 0 {
		s += fmt.Sprintf(" (confidence %.1f%%)", 100*st.Confidence)
	}
	if st.Note != "" {
		s += ", " + st.Note
	}
	return s
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
