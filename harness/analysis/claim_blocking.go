package analysis

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// The pool-size sweeps claim 3 reads: pooled work that blocks a pool
// thread without using CPU, and pooled CPU work, each at pool sizes
// declared as variants named pool-N.
const (
	poolWait = "pool-wait"
	poolCPU  = "pool-cpu"
)

func (k cast) claimBlocking(ws map[string]*Workload) Claim {
	c := Claim{
		Statement: "CPU-heavy work run on the loop blocks every other request, and moving it to the thread pool fixes that; the pool's fixed size bounds how much blocking work runs at once.",
		Short:     "blocking, and the pool", Threshold: blockingRule,
		Rule: fmt.Sprintf("Experiment mixed (workloads/mixed.toml): an open loop of 95%% /plaintext and 5%% /cpu; for each model measured both inline (default) and with cpu-offload, the paired ratio of /plaintext's p99 inline ÷ with cpu-offload: %s. Experiments pool-wait and pool-cpu (workloads/pool-*.toml): the pool swept from 1 to 64 threads, on work that blocks a pool thread without CPU and on CPU work; the pool bounds the work as the claim says when, at every size, the work is within %.0f%%–%.0f%% of what the size predicts (for the blocking work, the throughput against pool ÷ wait; for CPU work, the CPUs the server kept busy against min(pool, CPUs given)), and refutes it when every repetition at some size falls outside.",
			blockingRule, 100*PoolLow, 100*PoolHigh),
	}
	k.readMixed(&c, ws["mixed"])
	k.readPool(&c, ws[poolWait], false)
	k.readPool(&c, ws[poolCPU], true)
	return c
}

// readMixed adds the readings of the mixed workload: the main route's p99
// inline against offloaded.
func (k cast) readMixed(c *Claim, w *Workload) {
	if w == nil {
		return
	}
	route := w.MainRoute()
	if route == "" {
		c.note("mixed has a single route, so the blocked route cannot be told apart.")
		return
	}
	p99 := func(p *results.Point) float64 {
		if l := RouteLatency(p, route); l != nil {
			return l.P99
		}
		return math.NaN()
	}
	for _, m := range models(w) {
		l := common(w, m, "default", m, "cpu-offload")
		if math.IsNaN(l) {
			continue
		}
		gi, goff := group(w, m, "default", l), group(w, m, "cpu-offload", l)
		pr := pair(gi, goff, p99)
		v, n := blockingRule.grade(pr.Ratio), fewest(route, gi, goff)
		if !figures.Resolved(99, n) {
			v = Inconclusive // a p99 of too few requests is no figure
		}
		c.addPaired(v, pr, fmt.Sprintf("mixed %s/s: %s inline ÷ cpu-offload", figures.Num(l), m), fmt.Sprintf("mixed at %s req/s: %s %s p99 %s ms inline against %s ms with cpu-offload (%s)",
			figures.Num(l), m, route, figures.Num(pr.A.Median/1000), figures.Num(pr.B.Median/1000), p99Basis(n)), lagNote(gi, goff), gi, goff)
		c.poolCaveat(gi)
	}
	if th := group(w, k.threads, "default", w.Chosen()); usable(th) {
		c.note(fmt.Sprintf("%s, for reference, at %s req/s: %s p99 %s ms (%s).", k.threads, figures.Num(w.Chosen()), route, figures.Num(median(th, p99)/1000), p99Basis(fewest(route, th))))
	}
}

// fewest is the fewest requests to route timed by a repetition of any of
// gs that their figures come from.
func fewest(route string, gs ...*results.Group) int64 {
	n := int64(math.MaxInt64)
	for _, g := range gs {
		_, f := counts(g, LatencyOf(route))
		n = min(n, f)
	}
	return n
}

// p99Basis says what the p99s of a reading rest on: each repetition's own,
// of at least n requests, and whether n resolves them.
func p99Basis(n int64) string {
	s := "each repetition's own p99, of " + figures.Num(float64(n)) + " requests or more"
	if !figures.Resolved(99, n) {
		s += fmt.Sprintf(": too few to resolve a p99, which needs %s (a reading of them is inconclusive)", figures.Num(float64(figures.NeedSamples(99))))
	}
	return s
}

// poolSize is the size a pool-N variant names, or 0.
func poolSize(variant string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(variant, "pool-"))
	if err != nil || !strings.HasPrefix(variant, "pool-") {
		return 0
	}
	return n
}

// readPool adds a pool sweep's readings, one per model swept: whether the
// work at each size is what the size predicts. For blocking work it is the
// throughput, predicted as size ÷ wait. For CPU work it is the CPUs the
// server kept busy (throughput × CPU per request), predicted as
// min(size, CPUs given): the pool saturates the cores it is given and no
// more. (The throughput one pool thread reaches is no prediction of the
// rest: a lone pool thread shares its CPU with the loop's handoffs, and on
// the reference host each request cost a quarter more CPU at size 1 than
// at 64.)
func (k cast) readPool(c *Claim, w *Workload, cpu bool) {
	if w == nil {
		return
	}
	wait := WaitOf(w)
	for _, m := range models(w) {
		var sizes []int
		byVariant := map[int]*results.Group{}
		for i := range w.Groups {
			g := &w.Groups[i]
			if s := poolSize(g.Key.Variant); g.Key.Model == m && s > 0 && !g.Failed() {
				sizes, byVariant[s] = append(sizes, s), g
			}
		}
		if len(sizes) < 2 {
			continue
		}
		slices.Sort(sizes)
		var parts []string
		verdict := Confirmed
		for _, s := range sizes {
			g := byVariant[s]
			want, figure := float64(s)/wait, tput
			if cpu {
				want, figure = float64(min(s, results.CPUCount(g.Points[0].ServerCPUs))), busyCPUs
			}
			in, out := 0, 0
			for _, p := range Measured(g) {
				if r := figure(p) / want; r >= PoolLow && r <= PoolHigh {
					in++
				} else {
					out++
				}
			}
			share := g.Measure(figure).Median / want
			parts = append(parts, fmt.Sprintf("%d: %s (%s)", s, figures.Ratio(share), figures.Num(g.Measure(tput).Median)))
			switch {
			case in+out == 0:
				verdict = worse(verdict, NotMeasured)
			case out == 0:
			case in == 0:
				verdict = Refuted
			default:
				verdict = worse(verdict, Inconclusive)
			}
		}
		what := fmt.Sprintf("blocking waits, throughput ÷ (size ÷ %s ms)", figures.Num(wait*1000))
		if cpu {
			what = "CPU work, the CPUs kept busy ÷ min(size, CPUs given)"
		}
		c.add(verdict, fmt.Sprintf("%s: %s", w.Name, m), "%s: %s's %s by pool size (throughput, req/s): %s", w.Name, m, what, strings.Join(parts, ", "))
	}
}

// busyCPUs is how many CPUs a point's server kept busy over its window:
// throughput × CPU time per request.
func busyCPUs(p *results.Point) float64 { return p.Throughput * p.CPUPerRequest / 1e6 }

// worse is the weaker of two verdicts for a reading made of several
// checks: a refutation stands, an undecided check leaves it undecided.
func worse(a, b Verdict) Verdict {
	if a == Refuted || b == Refuted {
		return Refuted
	}
	if a == Confirmed {
		return b
	}
	return a
}

// poolCaveat says what the server's CPUs let the thread pool do.
func (c *Claim) poolCaveat(g *results.Group) {
	cpus := g.Points[0].ServerCPUs
	if results.CPUCount(cpus) == 1 {
		c.caveat("counts against the pool", fmt.Sprintf("the server had one CPU (`%s`), so the offload pool shares the loop's only CPU and cannot add capacity, only let the kernel time-slice the work against the loop; what the main route gains, the offloaded route pays, and on more CPUs the pool would also run the work in parallel.", cpus))
		return
	}
	c.caveat("favours the pool", fmt.Sprintf("the server had CPUs `%s`, so the pool's threads ran the work beside the loop, not only between its turns; a one-CPU server would show less.", cpus))
}

// lagNote gives the loop lag p99 inline and offloaded, when measured.
func lagNote(inline, offload *results.Group) string {
	a, b := inline.Measure(LagP99), offload.Measure(LagP99)
	if a.N == 0 || b.N == 0 || math.IsNaN(a.Median) || math.IsNaN(b.Median) {
		return ""
	}
	return fmt.Sprintf("; loop lag p99 %s ms inline, %s ms offloaded", figures.Num(a.Median), figures.Num(b.Median))
}

// models lists the models of a workload in table order.
func models(w *Workload) []string {
	var out []string
	for _, g := range w.Groups {
		if len(out) == 0 || out[len(out)-1] != g.Key.Model {
			out = append(out, g.Key.Model)
		}
	}
	return out
}
