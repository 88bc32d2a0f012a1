package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"loopbench/harness/figures"
	"loopbench/harness/pairs"
	"loopbench/harness/results"
)

// Verdict is what the numbers say of a claim.
type Verdict string

// The verdicts. A reading confirms or refutes only when the whole 95%
// interval of its paired ratio clears the threshold; with fewer than 6
// pairs (no interval) it is inconclusive. A claim is confirmed when every
// reading of it confirms, refuted when every reading refutes, inconclusive
// when readings disagree or do not decide, and not measured without any
// reading.
const (
	Confirmed    Verdict = "confirmed"
	Refuted      Verdict = "refuted"
	Inconclusive Verdict = "inconclusive"
	NotMeasured  Verdict = "not measured"
)

// The thresholds of the verdicts.
const (
	// MemoryFarLess: an event loop's memory per held connection (the
	// slope of c10k's memory against connections) at most this fraction
	// of a thread per connection's confirms "far less memory"; above
	// MemoryNotLess refutes it.
	MemoryFarLess = 0.5
	MemoryNotLess = 1.0
	// KeepsUp is the share of the ideal throughput of pure waiting
	// (connections ÷ wait) a model must reach at a connection count to
	// keep up there; the first count where it does not is its knee.
	KeepsUp = 0.9
	// Blocked: the main route's p99 with CPU work inline at least this
	// multiple of its p99 with the work on the pool confirms "blocks, and
	// the pool fixes it"; below Unblocked refutes it.
	Blocked   = 2.0
	Unblocked = 1.2
	// PoolLow and PoolHigh bound what a pool's throughput may be, as a
	// share of what its size predicts (pool ÷ wait for blocking work, the
	// cores for CPU work), for "the pool bounds it" to hold at that size.
	PoolLow, PoolHigh = 0.8, 1.15
	// MoreScaling: the thread per connection's scaling efficiency (the
	// throughput at 2 CPUs ÷ twice that at 1) at least this multiple of a
	// single loop's confirms "threads use the cores they are given, one
	// loop uses one"; below SameScaling refutes it.
	MoreScaling = 1.5
	SameScaling = 1.1
	// Equivalent: the homemade loop's CPU per request within ±10% of
	// gnet's is "as efficient"; wholly below 1-Equivalent is cheaper (the
	// claim holds all the more); wholly above 1+Equivalent refutes it.
	Equivalent = 0.10
)

// cast is who plays each part of the argument, read from the roles of the
// model table the run was measured with (results.Model.Roles), so that no
// claim names a model: a model added to the table takes part in the claims
// its roles name.
type cast struct {
	// threads is the thread-per-connection baseline (the first, if the
	// table has several).
	threads string
	// loops are the event-loop side, each held against threads.
	loops []string
	// homemade is the homemade libuv-style loop, and peers the loops it is
	// measured against (the libraries and the reference), in table order.
	homemade string
	peers    []string
	// reference is the real libuv.
	reference string
	// threadRef is a thread per connection without Go's runtime (the C
	// pthread server), held beside threads.
	threadRef string
}

// castOf reads the cast from a model table.
func castOf(table []results.Model) cast {
	withRole := func(r string) []string {
		var names []string
		for i := range table {
			if table[i].HasRole(r) {
				names = append(names, table[i].Name)
			}
		}
		return names
	}
	first := func(r string) string {
		if names := withRole(r); len(names) > 0 {
			return names[0]
		}
		return ""
	}
	k := cast{threads: first(results.RoleThreadPerConn), loops: withRole(results.RoleEventLoop),
		homemade: first(results.RoleHomemade), reference: first(results.RoleReference), threadRef: first(results.RoleThreadReference)}
	for i := range table {
		if m := &table[i]; m.Name != k.homemade && (m.HasRole(results.RoleLoopLibrary) || m.HasRole(results.RoleReference)) {
			k.peers = append(k.peers, m.Name)
		}
	}
	return k
}

// design names the event-loop side in a sentence, saying which is the
// homemade loop and which the real libuv: "eventloop (the homemade libuv)
// and node (the real one)".
func (k cast) design() string {
	var parts []string
	for _, m := range k.loops {
		switch m {
		case k.homemade:
			m += " (the homemade libuv)"
		case k.reference:
			m += " (the real one)"
		}
		parts = append(parts, m)
	}
	return sentence(parts)
}

// sentence joins names as a list in prose: "a", "a and b", "a, b and c".
func sentence(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Claim is one claim of the argument with the verdict the run supports.
type Claim struct {
	Statement string
	Verdict   Verdict
	// Readings are the figures that decided the verdict, each with its own
	// reading; Notes are figures shown for context that did not count.
	Readings []Reading
	Notes    []string
	// Caveats are what the figures include or miss that could move the
	// verdict, each saying which way.
	Caveats []Caveat
	// Rule states the thresholds; Threshold is what every reading's ratio
	// is graded on.
	Rule      string
	Threshold Threshold
	// Short names the claim in a few words, for the scorecard.
	Short string
}

// Reading is one comparison and what it says.
type Reading struct {
	Text    string
	Verdict Verdict
	// Label names the comparison in a few words, for the scorecard:
	// "c10k: eventloop ÷ threaded".
	Label string
	// Ratio is the paired ratio the reading grades (N is 0 for a reading
	// that is no ratio, such as a model failing where the other served).
	Ratio results.Stat
	// ClientBound names each side of the ratio some of whose repetitions
	// were client-bound, with how many: "eventloop 4 of 6". The load
	// generator, not the server, set the load of those repetitions.
	ClientBound []string
}

// HasRatio reports whether the reading is a paired ratio.
func (r Reading) HasRatio() bool { return r.Ratio.N > 0 }

// decide sets the claim's verdict from its readings.
func (c *Claim) decide() {
	n := map[Verdict]int{}
	counted := 0
	for _, r := range c.Readings {
		if r.Verdict != NotMeasured {
			n[r.Verdict]++
			counted++
		}
	}
	switch {
	case counted == 0:
		c.Verdict = NotMeasured
	case n[Confirmed] == counted:
		c.Verdict = Confirmed
	case n[Refuted] == counted:
		c.Verdict = Refuted
	default:
		c.Verdict = Inconclusive
	}
}

// Summary counts the readings by verdict: "3 readings: 2 confirm, 1
// inconclusive".
func (c *Claim) Summary() string {
	words := []struct {
		v    Verdict
		word string
	}{{Confirmed, "confirm"}, {Refuted, "refute"}, {Inconclusive, "inconclusive"}, {NotMeasured, "not measured"}}
	var parts []string
	for _, w := range words {
		n := 0
		for _, r := range c.Readings {
			if r.Verdict == w.v {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, w.word))
		}
	}
	if len(parts) == 0 {
		return "no reading"
	}
	return figures.Plural(len(c.Readings), "reading") + ": " + strings.Join(parts, ", ")
}

// note adds a context line once.
func (c *Claim) note(s string) {
	if !slices.Contains(c.Notes, s) {
		c.Notes = append(c.Notes, s)
	}
}

// Caveat is something the figures of a claim include or miss, and which
// way it moves the verdict ("favours the event loops").
type Caveat struct{ Direction, Text string }

// caveat adds a caveat once.
func (c *Claim) caveat(direction, text string) {
	if cv := (Caveat{direction, text}); !slices.Contains(c.Caveats, cv) {
		c.Caveats = append(c.Caveats, cv)
	}
}

// add adds a reading that is no ratio, labelled label.
func (c *Claim) add(v Verdict, label, format string, args ...any) {
	c.Readings = append(c.Readings, Reading{Text: fmt.Sprintf(format, args...), Verdict: v, Label: label})
}

// addPaired adds a reading of a paired ratio of the configurations sides,
// labelled label: head names the comparison, the ratio follows with its
// interval, then tail and the repetitions left out.
func (c *Claim) addPaired(v Verdict, pr pairs.Paired, label, head, tail string, sides ...*results.Group) {
	c.Readings = append(c.Readings, Reading{Text: fmt.Sprintf("%s: %s%s%s", head, figures.Interval(pr.Ratio), tail, leftOut(pr.LeftOut)),
		Verdict: v, Label: label, Ratio: pr.Ratio, ClientBound: boundSides(sides...)})
}

// boundSides names each configuration some of whose usable repetitions
// were client-bound, with how many of them: "eventloop 4 of 6".
func boundSides(gs ...*results.Group) []string {
	var out []string
	for _, g := range gs {
		bound, usable := 0, 0
		for _, p := range g.Points {
			if p.Usable() {
				usable++
				if p.ClientBound {
					bound++
				}
			}
		}
		if bound > 0 {
			out = append(out, fmt.Sprintf("%s %d of %d", g.Key.Series(), bound, usable))
		}
	}
	return out
}

// pair compares two configurations on figure f, repetition by repetition.
func pair(a, b *results.Group, f func(*results.Point) float64) pairs.Paired {
	return pairs.Pair(a.Points, b.Points, pairs.Metric{Value: f})
}

// Threshold is a claim's two bounds on a ratio: at or past Good confirms,
// strictly past Bad refutes; Lower says Good lies below.
type Threshold struct {
	Good, Bad float64
	Lower     bool
}

// The thresholds of the claims.
var (
	memoryRule   = Threshold{MemoryFarLess, MemoryNotLess, true}
	blockingRule = Threshold{Blocked, Unblocked, false}
	scalingRule  = Threshold{MoreScaling, SameScaling, false}
	homemadeRule = Threshold{1 + Equivalent, 1 + Equivalent, true}
)

// Ratio reports whether the threshold is one on a ratio; a claim read
// otherwise (by where each model stops keeping up) has none.
func (t Threshold) Ratio() bool { return t.Good > 0 && t.Bad > 0 }

// String states the threshold as a rule on the interval.
func (t Threshold) String() string {
	return fmt.Sprintf("a 95%% interval wholly %s confirms, wholly %s refutes", t.Confirms(), t.Refutes())
}

// Confirms is the confirming side of the threshold: "≥ 0.9".
func (t Threshold) Confirms() string {
	if !t.Ratio() {
		return "see rule"
	}
	if t.Lower {
		return fmt.Sprintf("≤ %g", t.Good)
	}
	return fmt.Sprintf("≥ %g", t.Good)
}

// Refutes is the refuting side of the threshold: "< 0.75".
func (t Threshold) Refutes() string {
	if !t.Ratio() {
		return "see rule"
	}
	if t.Lower {
		return fmt.Sprintf("> %g", t.Bad)
	}
	return fmt.Sprintf("< %g", t.Bad)
}

// grade reads a paired ratio against t: it confirms only when its whole
// 95% interval is at or past good, refutes only when it is wholly past
// bad, and is inconclusive otherwise, as it is without an interval (fewer
// than 6 pairs). No pair at all is not a measurement.
func (t Threshold) grade(r results.Stat) Verdict {
	lo, hi, good, bad := r.Lo, r.Hi, t.Good, t.Bad
	if t.Lower {
		lo, hi, good, bad = -r.Hi, -r.Lo, -good, -bad
	}
	switch {
	case r.N == 0 || math.IsNaN(r.Median) || math.IsInf(r.Median, 0):
		return NotMeasured
	case !r.HasCI():
		return Inconclusive
	case lo >= good:
		return Confirmed
	case hi < bad:
		return Refuted
	default:
		return Inconclusive
	}
}

// claims checks each claim of the argument against the workloads of a run.
func (k cast) claims(all []Workload) []Claim {
	ws := map[string]*Workload{}
	for i := range all {
		ws[all[i].Name] = &all[i]
	}
	cs := []Claim{k.claimMemory(ws), k.claimIO(ws), k.claimBlocking(ws), k.claimCores(ws), k.claimHomemade(ws)}
	for i := range cs {
		cs[i].decide()
	}
	return cs
}

// group returns the configuration of a series at level, or nil.
func group(w *Workload, model, variant string, level float64) *results.Group {
	return w.Group(model, variant, level)
}

// common is the level at which both series have a usable repetition and
// the most repetitions, the highest on a tie, or NaN.
func common(w *Workload, a, av, b, bv string) float64 {
	best, most := math.NaN(), 0
	for _, l := range w.Levels() {
		ga, gb := group(w, a, av, l), group(w, b, bv, l)
		if !usable(ga) || !usable(gb) {
			continue
		}
		// The level with the most repetitions a side, the highest of
		// those: a shape rate measured once draws a curve, it does not
		// decide a claim.
		if n := min(len(ga.Points), len(gb.Points)); n >= most {
			best, most = l, n
		}
	}
	return best
}

// usable reports whether g exists and has a usable repetition.
func usable(g *results.Group) bool {
	return g != nil && slices.ContainsFunc(g.Points, (*results.Point).Usable)
}

// failedAbove returns the lowest level above level at which model failed
// while other was measured, and the reason.
func failedAbove(w *Workload, model, other string, level float64) (float64, string, bool) {
	for _, l := range w.Levels() {
		g, o := group(w, model, "default", l), group(w, other, "default", l)
		if l > level && g != nil && g.Failed() && usable(o) {
			return l, g.Points[0].FailReason, true
		}
	}
	return 0, "", false
}

// notePartial notes each level above level at which one of the series
// (default variants) was measured only by partial points, and so was
// passed over by common.
func (c *Claim) notePartial(w *Workload, level float64, models ...string) {
	for _, l := range w.Levels() {
		for _, m := range models {
			if g := group(w, m, "default", l); l > level && g != nil && !g.Failed() && !usable(g) {
				c.note(fmt.Sprintf("%s at %s: every repetition of %s was partial (%s), so none is compared.", w.Name, figures.Num(l), m, reasons(g)))
			}
		}
	}
}

// reasons lists the distinct reasons g's partial points give.
// reasons are why a group's points were partial, in words: the first
// partial repetition's reasons, and how many more there were (the tables
// list every repetition's), so a claim's note stays one sentence.
func reasons(g *results.Group) string {
	var first []string
	more := 0
	for _, p := range g.Points {
		if len(p.Validity.Reasons) == 0 {
			continue
		}
		if first == nil {
			first = p.Validity.Reasons
		} else {
			more++
		}
	}
	s := strings.Join(first, "; ")
	if more > 0 {
		s += fmt.Sprintf("; and %d more repetitions with reasons of their own, listed under the workload's table", more)
	}
	return s
}

func median(g *results.Group, f func(*results.Point) float64) float64 { return g.Measure(f).Median }

func tput(p *results.Point) float64 { return p.Throughput }

// LagP99 is the loop lag p99 in ms, NaN for a model that does not measure it.
func LagP99(p *results.Point) float64 {
	if p.LoopLag == nil {
		return math.NaN()
	}
	return p.LoopLag.P99
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
