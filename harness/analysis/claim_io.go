package analysis

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// The pure-waiting experiments claim 2 reads: a connection sweep of
// requests that wait (a timer, and the upstream) at a rate per connection
// low enough that no model's CPU is the limit.
var waitWorkloads = []string{"wait-sleep", "wait-upstream"}

// Knee is where a series stops keeping up with pure waiting: the first
// connection count at which its throughput falls below KeepsUp of the
// ideal (connections ÷ wait), or its points fail or are partial.
type Knee struct {
	Model string
	// Held lists, per level in order, whether every measured repetition
	// kept up (1), none did (0), or they disagree (-1, undecided); Share
	// the median share of the ideal there (NaN where every point failed).
	Levels []float64
	Held   []int
	Share  []float64
	// At is the index of the first level not held (len(Levels) when it
	// held at every level), and Why says what happened there.
	At  int
	Why string
}

// knee reads the series of model (default variant) in w, whose route waits
// wait seconds.
func knee(w *Workload, model string, wait float64) Knee {
	kn := Knee{Model: model}
	for _, l := range w.Levels() {
		g := group(w, model, "default", l)
		if g == nil {
			continue
		}
		ideal := float64(g.Key.Connections) / wait
		held, share, why := keptUp(g, ideal)
		kn.Levels, kn.Held, kn.Share = append(kn.Levels, l), append(kn.Held, held), append(kn.Share, share)
		if held != 1 && kn.Why == "" {
			kn.At, kn.Why = len(kn.Levels)-1, why
		}
	}
	if kn.Why == "" {
		kn.At = len(kn.Levels)
	}
	return kn
}

// keptUp judges one level: 1 when every repetition was usable and reached
// KeepsUp of ideal, 0 when none did (failed, partial or below), -1 when
// they disagree; with the median share of the ideal and what fell short.
func keptUp(g *results.Group, ideal float64) (int, float64, string) {
	up, down := 0, 0
	var why []string
	for _, p := range g.Points {
		switch {
		case p.Failed:
			down++
			why = append(why, "failed: "+p.FailReason)
		case !p.Usable():
			down++
			why = append(why, "partial: "+strings.Join(p.Validity.Reasons, "; "))
		case p.Throughput >= KeepsUp*ideal:
			up++
		default:
			down++
			why = append(why, fmt.Sprintf("%.0f%% of the ideal", 100*p.Throughput/ideal))
		}
	}
	share := g.Measure(func(p *results.Point) float64 { return p.Throughput / ideal }).Median
	switch {
	case down == 0:
		return 1, share, ""
	case up == 0:
		return 0, share, firstWhy(why)
	}
	return -1, share, firstWhy(why) + fmt.Sprintf(" (%d of %d repetitions kept up)", up, up+down)
}

func firstWhy(why []string) string {
	if len(why) == 0 {
		return ""
	}
	s := why[0]
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	if len(why) > 1 {
		s += fmt.Sprintf("; and %d more", len(why)-1)
	}
	return s
}

// keptText says how far a series kept up, in words.
func (kn Knee) keptText() string {
	switch {
	case len(kn.Levels) == 0:
		return kn.Model + " was not measured"
	case kn.At == len(kn.Levels):
		return fmt.Sprintf("%s kept up at every count, to %s (%s of the ideal)", kn.Model, figures.Num(kn.Levels[len(kn.Levels)-1]), pct(kn.Share[len(kn.Share)-1]))
	case kn.At == 0:
		return fmt.Sprintf("%s fell short already at %s (%s of the ideal: %s)", kn.Model, figures.Num(kn.Levels[0]), pct(kn.Share[0]), kn.Why)
	}
	return fmt.Sprintf("%s kept up to %s and fell short at %s (%s of the ideal: %s)", kn.Model, figures.Num(kn.Levels[kn.At-1]), figures.Num(kn.Levels[kn.At]), pct(kn.Share[kn.At]), kn.Why)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "none"
	}
	return fmt.Sprintf("%.0f%%", 100*v)
}

// WaitOf is how long the route of a pure-waiting workload waits, in
// seconds (its ms parameter), or 0.
func WaitOf(w *Workload) float64 {
	for _, r := range w.Routes() {
		if u, err := url.Parse(r); err == nil {
			if ms, err := strconv.Atoi(u.Query().Get("ms")); err == nil && ms > 0 {
				return float64(ms) / 1000
			}
		}
	}
	return 0
}

// claimIO reads claim 2 from the pure-waiting sweeps: each model's knee,
// and for each event loop whether the thread per connection's knee comes
// at a lower count.
func (k cast) claimIO(ws map[string]*Workload) Claim {
	c := Claim{
		Statement: "For I/O-heavy work an event loop keeps up with, or beats, one thread per connection.",
		Short:     "I/O: waiting at scale",
		Rule: fmt.Sprintf("Experiments wait-sleep and wait-upstream (workloads/wait-*.toml): connections that each ask for one long wait (a timer, or a relayed call to the backend) in turn, at 1,000 up to 16,000 connections, so that what a model must do is hold many waits at once, not spend CPU. A model keeps up at a count when every repetition there reaches %.0f%% of the ideal throughput (connections ÷ wait) without failing; its knee is the first count where it does not. For each event-loop model (%s) against %s: confirmed when the thread per connection's knee comes at a lower count than the loop's (the loop kept up where threads did not), refuted when the loop's comes at the same count or lower (the loop fell short where threads kept up, or with them), inconclusive when the repetitions at the deciding count disagree or when both kept up at every count (the sweep reached neither knee).",
			100*KeepsUp, sentence(k.loops), sentence(k.threadModels())),
	}
	for _, name := range waitWorkloads {
		w := ws[name]
		if w == nil {
			continue
		}
		wait := WaitOf(w)
		if wait == 0 {
			c.note(name + ": its route names no wait (ms=), so there is no ideal to hold it to.")
			continue
		}
		knees := map[string]Knee{}
		for _, m := range models(w) {
			knees[m] = knee(w, m, wait)
			c.note(fmt.Sprintf("%s: %s.", name, knees[m].keptText()))
		}
		for _, t := range k.threadModels() {
			kt, ok := knees[t]
			for _, l := range k.loops {
				kl, have := knees[l]
				if !have || !ok {
					continue
				}
				v := compareKnees(kt, kl)
				c.add(v, fmt.Sprintf("%s: %s against %s", name, l, t), "%s: %s; %s", name, kl.keptText(), kt.keptText())
			}
		}
	}
	if len(c.Readings) > 0 {
		ref := "."
		if k.threadRef != "" {
			ref = fmt.Sprintf("; the C server %s shows a plain OS thread where it serves the route.", k.threadRef)
		}
		c.caveat("favours the event loops", fmt.Sprintf("%s's threads are Go goroutines locked to OS threads: Go's scheduler and the runtime's thread limit (servers/%s/doc.go) add to what an OS thread costs%s", k.threads, k.threads, ref))
		c.referenceCaveat(k, "throughput includes V8 and node's HTTP layer, not only libuv")
	}
	return c
}

// compareKnees decides a reading: confirmed when the threads fell short at
// a count the loop kept up at, refuted when the loop fell short no later
// than the threads, inconclusive when the deciding count is undecided or
// neither fell short.
func compareKnees(threads, loop Knee) Verdict {
	n := min(len(threads.Levels), len(loop.Levels))
	if n == 0 || !slices.Equal(threads.Levels[:n], loop.Levels[:n]) {
		return NotMeasured
	}
	for i := range n {
		t, l := threads.Held[i], loop.Held[i]
		switch {
		case t == 1 && l == 1:
			continue
		case t == -1 || l == -1:
			return Inconclusive
		case t == 0 && l == 1:
			return Confirmed
		default:
			// The loop fell short at the same count as the threads, or
			// before them.
			return Refuted
		}
	}
	// Both kept up at every count measured: the sweep reached neither
	// knee, so it cannot tell which comes first.
	return Inconclusive
}
