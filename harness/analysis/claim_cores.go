package analysis

import (
	"fmt"
	"math"
	"slices"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// coresWorkload is the core-scaling experiment claim 4 reads: CPU-heavy
// work with the server given 1, 2, … CPUs.
const coresWorkload = "cores"

// Scaling is how one configuration's throughput grew with the CPUs it was
// given: its efficiency at k CPUs (throughput at k ÷ k times the
// throughput at 1), per repetition paired with the repetition of the same
// number at 1 CPU.
type Scaling struct {
	Model, Variant string
	// CPUs is the largest count measured; Efficiency the efficiency there
	// (a median with its interval over the pairs), and Per the paired
	// values, by repetition.
	CPUs       int
	Efficiency results.Stat
	Per        map[int]float64
	// T1 and Tk are the median throughputs at 1 CPU and at CPUs.
	T1, Tk float64
}

// Scalings reads every series of w: the efficiency at its largest CPU
// count against one CPU.
func Scalings(w *Workload) []Scaling {
	type side struct{ one, top *results.Group }
	bySeries := map[results.Key]*side{}
	var order []results.Key
	for i := range w.Groups {
		g := &w.Groups[i]
		if len(g.Points) == 0 || g.Failed() {
			continue
		}
		s := results.Key{Model: g.Key.Model, Variant: g.Key.Variant}
		if bySeries[s] == nil {
			bySeries[s] = &side{}
			order = append(order, s)
		}
		n := cpusOf(g)
		switch b := bySeries[s]; {
		case n == 1:
			b.one = g
		case n > 1 && (b.top == nil || n > cpusOf(b.top)):
			b.top = g
		}
	}
	var out []Scaling
	for _, s := range order {
		b := bySeries[s]
		if b.one == nil || b.top == nil {
			continue
		}
		k := cpusOf(b.top)
		sc := Scaling{Model: s.Model, Variant: s.Variant, CPUs: k, Per: map[int]float64{},
			T1: b.one.Measure(tput).Median, Tk: b.top.Measure(tput).Median}
		one := usableByRep(b.one)
		var vals []float64
		for rep, p := range usableByRep(b.top) {
			if q, ok := one[rep]; ok && q.Throughput > 0 {
				e := p.Throughput / (float64(k) * q.Throughput)
				sc.Per[rep] = e
				vals = append(vals, e)
			}
		}
		sc.Efficiency = results.StatOf(vals)
		out = append(out, sc)
	}
	return out
}

// cpusOf is how many CPUs g's server was given: the count its points were
// swept at, else the size of the set it ran on.
func cpusOf(g *results.Group) int {
	if g.Key.CPUs > 0 {
		return g.Key.CPUs
	}
	return results.CPUCount(g.Points[0].ServerCPUs)
}

// usableByRep is g's usable points by repetition.
func usableByRep(g *results.Group) map[int]*results.Point {
	m := map[int]*results.Point{}
	for _, p := range g.Points {
		if p.Usable() {
			m[p.Rep] = p
		}
	}
	return m
}

// claimCores reads claim 4 from the core-scaling experiment: the thread per
// connection's scaling efficiency against each single event loop's,
// repetition by repetition.
func (k cast) claimCores(ws map[string]*Workload) Claim {
	c := Claim{
		Statement: "For CPU-heavy work, threads use the cores they are given; an event loop that runs the work on its one thread uses one.",
		Short:     "cores: scaling", Threshold: scalingRule,
		Rule: fmt.Sprintf("Experiment cores (workloads/cores.toml): CPU-heavy requests with the server given 1 CPU, then 2 (or more where the host allows); each configuration's scaling efficiency is its throughput at k CPUs ÷ k times its throughput at 1, paired by repetition. For each event-loop model (%s) run as one loop, the paired ratio of %s's efficiency ÷ the loop's: %s. It would have been refuted had the threads scaled no better than one loop (a ratio below %g). The loops run one per CPU, the pool, and node's cluster are shown beside, for how close they come to the threads.",
			sentence(k.loops), k.threads, scalingRule, SameScaling),
	}
	w := ws[coresWorkload]
	if w == nil {
		return c
	}
	sc := map[results.Key]Scaling{}
	for _, s := range Scalings(w) {
		sc[results.Key{Model: s.Model, Variant: s.Variant}] = s
		c.note(fmt.Sprintf("cores: %s scaled %s to %d CPUs (%s req/s at 1 CPU, %s at %d).", results.Key{Model: s.Model, Variant: s.Variant}.Series(),
			figures.WithInterval(s.Efficiency, figures.Sig3), s.CPUs, figures.Num(s.T1), figures.Num(s.Tk), s.CPUs))
	}
	th, ok := sc[results.Key{Model: k.threads, Variant: "default"}]
	for _, l := range k.loops {
		ls, have := sc[results.Key{Model: l, Variant: "default"}]
		label := fmt.Sprintf("cores: %s ÷ %s", k.threads, l)
		if !have || !ok {
			continue
		}
		st := pairedRatio(th.Per, ls.Per)
		c.Readings = append(c.Readings, Reading{Verdict: scalingRule.grade(st), Label: label, Ratio: st,
			Text: fmt.Sprintf("cores: %s's efficiency at %d CPUs %s against one %s loop's %s: %s", k.threads, th.CPUs,
				figures.WithInterval(th.Efficiency, figures.Sig3), l, figures.WithInterval(ls.Efficiency, figures.Sig3), figures.Interval(st))})
	}
	if len(c.Readings) > 0 {
		c.caveat("either way", "at 2 CPUs on a 2-core host the load generator shares a CPU with the server: the work is heavy and the client light, but the client's share is taken from the second CPU.")
	}
	return c
}

// pairedRatio divides a's values by b's, repetition by repetition.
func pairedRatio(a, b map[int]float64) results.Stat {
	var reps []int
	for r := range a {
		if _, ok := b[r]; ok && b[r] > 0 {
			reps = append(reps, r)
		}
	}
	slices.Sort(reps)
	var v []float64
	for _, r := range reps {
		if x := a[r] / b[r]; !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	return results.StatOf(v)
}

// Cores is the server's CPU time over wall time: how many cores it kept
// busy (CPU from its finest source, the cgroup where there is one).
func Cores(p *results.Point) float64 {
	if p.Duration <= 0 {
		return math.NaN()
	}
	if p.Server.CPU > 0 {
		return p.Server.CPU / p.Duration
	}
	return (p.Server.CPUUser + p.Server.CPUSys) / p.Duration
}
