package analysis

import (
	"fmt"
	"math"
	"slices"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// claimHomemade reads claim 5: the homemade loop's server CPU per request
// against the first loop library's (gnet), two-sided, at every keep-alive
// level of plaintext and pipelined.
func (k cast) claimHomemade(ws map[string]*Workload) Claim {
	peer := k.library()
	c := Claim{
		Statement: fmt.Sprintf("The homemade libuv-style loop (%s) is as efficient as an established event-loop library (%s).", k.homemade, peer),
		Short:     "homemade loop's CPU", Threshold: homemadeRule,
		Rule: fmt.Sprintf("Experiments plaintext and pipelined (workloads/plaintext.toml, pipelined.toml): at every level both were measured at, the paired ratio of server CPU per request (one client core cannot saturate the fast servers, so their throughput does not tell them apart), %s ÷ %s. Within ±%.0f%% when the whole 95%% interval lies in [%g, %g]; cheaper when it lies wholly below %g; both confirm. It is refuted when the interval lies wholly above %g, and inconclusive when it reaches past %g.",
			k.homemade, peer, 100*Equivalent, 1-Equivalent, 1+Equivalent, 1-Equivalent, 1+Equivalent, 1+Equivalent),
	}
	if k.homemade == "" || peer == "" {
		return c
	}
	cpu := func(p *results.Point) float64 { return p.CPUPerRequest }
	for _, name := range []string{"plaintext", "pipelined"} {
		w := ws[name]
		if w == nil {
			continue
		}
		for _, l := range w.Levels() {
			ge, gp := group(w, k.homemade, "default", l), group(w, peer, "default", l)
			if !usable(ge) || !usable(gp) {
				continue
			}
			pr := pair(ge, gp, cpu)
			v := homemadeRule.grade(pr.Ratio)
			c.addPaired(v, pr, fmt.Sprintf("%s %s: %s ÷ %s", name, figures.Num(l), k.homemade, peer),
				fmt.Sprintf("%s at %s: %s %s µs per request against %s %s µs", name, w.LevelWords(l), k.homemade, figures.Num(pr.A.Median), peer, figures.Num(pr.B.Median)),
				"; "+equivalence(pr.Ratio)+boundNote(ge, gp), ge, gp)
			for _, o := range k.peers {
				if o == peer || o == k.reference {
					continue
				}
				if g := group(w, o, "default", l); usable(g) {
					c.note(fmt.Sprintf("%s at %s: %s ÷ %s %s.", name, w.LevelWords(l), k.homemade, o, figures.Interval(pair(ge, g, cpu).Ratio)))
				}
			}
			if io := group(w, k.homemade, "io-uring", l); usable(io) {
				c.note(fmt.Sprintf("%s at %s: %s on io_uring ÷ %s %s; ÷ %s on epoll %s (server CPU per request).", name, w.LevelWords(l), k.homemade, peer,
					figures.Interval(pair(io, gp, cpu).Ratio), k.homemade, figures.Interval(pair(io, ge, cpu).Ratio)))
			}
		}
	}
	return c
}

// library is the loop library claim 5 holds the homemade loop against: the
// first model with that role (the reference, node, is JavaScript on V8 and
// is shown apart, not here).
func (k cast) library() string {
	for _, p := range k.peers {
		if p != k.reference {
			return p
		}
	}
	return ""
}

// equivalence says which side of the band a ratio's interval lies on.
func equivalence(r results.Stat) string {
	switch {
	case !r.HasCI() || math.IsNaN(r.Median):
		return "too few pairs to tell"
	case r.Lo >= 1-Equivalent && r.Hi <= 1+Equivalent:
		return fmt.Sprintf("within ±%.0f%%", 100*Equivalent)
	case r.Hi < 1-Equivalent:
		return "cheaper"
	case r.Hi <= 1+Equivalent:
		return "as cheap or cheaper"
	case r.Lo > 1+Equivalent:
		return "dearer"
	}
	return "the interval reaches past ±10%"
}

// boundNote marks a comparison whose points were client-bound.
func boundNote(gs ...*results.Group) string {
	for _, g := range gs {
		if g.ClientBound() {
			return " (client-bound point: the throughput is the client's limit; CPU per request still tells the servers apart)"
		}
	}
	return ""
}

// referenceCaveat cautions that the real libuv is measured inside node:
// what claims of its figure include besides libuv (against the loops).
func (c *Claim) referenceCaveat(k cast, what string) {
	if k.reference != "" && slices.Contains(k.loops, k.reference) {
		c.caveat("counts against the event loops", fmt.Sprintf("%s's %s.", k.reference, what))
	}
}
