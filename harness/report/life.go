package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// connectRow is how one configuration's connections were established, over
// its points' whole lives (analysis.Life), every figure written as text.
type connectRow struct {
	Series, Level                 string
	Connect, FirstAnswer, Samples string
	Failed, Unanswered            string
	Settled, Kernel               string
}

// connectRows are a workload's establishment table: one row per
// configuration whose points recorded their connections; nil for a run
// made before points recorded them.
func connectRows(w *analysis.Workload) []connectRow {
	var out []connectRow
	for i := range w.Groups {
		g := &w.Groups[i]
		l := analysis.LifeOf(g)
		if l.Recorded == 0 {
			continue
		}
		out = append(out, connectRow{
			Series: g.Key.Series(), Level: figures.Num(w.Stats(g).Level),
			Connect: msTriple(l.Connect), FirstAnswer: msTriple(l.FirstAnswer), Samples: fmt.Sprint(l.Samples),
			Failed: failedDials(l.Failed), Unanswered: fmt.Sprint(l.Unanswered),
			Settled: figures.WithInterval(l.Settled, figures.Num), Kernel: kernelCounts(l),
		})
	}
	return out
}

// msTriple writes p50 / p99 / max in ms.
func msTriple(v [3]float64) string {
	return figures.Num(v[0]) + " / " + figures.Num(v[1]) + " / " + figures.Num(v[2])
}

// failedDials writes the failed dials by how they failed, or 0.
func failedDials(f map[string]int64) string {
	if len(f) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, fmt.Sprintf("%d %s", f[k], k))
	}
	return strings.Join(parts, ", ")
}

// kernelCounts writes what the kernel counted over the points' lives.
func kernelCounts(l analysis.Life) string {
	if l.Overflows+l.Drops+l.SynRetrans+l.Retrans == 0 {
		return "none"
	}
	return fmt.Sprintf("%d overflows, %d dropped SYNs, %d SYNs and %d segments retransmitted", l.Overflows, l.Drops, l.SynRetrans, l.Retrans)
}

// lifeNotes are the run's points that the kernel or their marks single
// out, for the report's account of the points' lives: the points partial
// for retransmitted segments or an open loop that did not hold its rate
// (counted by workload), and the marks, which leave a window valid.
func lifeNotes(run *results.Run) (partial, marks []string) {
	type count struct {
		workload, why string
	}
	n := map[count]int{}
	var order []count
	for _, p := range run.Points {
		if p.Failed {
			continue
		}
		for _, r := range p.Validity.Reasons {
			var why string
			switch {
			case strings.HasPrefix(r, "did not hold its rate"):
				why = "did not hold its rate"
			default:
				continue
			}
			c := count{p.Workload, why}
			if n[c] == 0 {
				order = append(order, c)
			}
			n[c]++
		}
		for _, m := range p.Validity.Marks {
			marks = append(marks, fmt.Sprintf("%s %s at %s, repetition %d: %s", p.Workload, p.Key().Series(), levelOf(&p), p.Rep+1, m))
		}
	}
	for _, c := range order {
		partial = append(partial, fmt.Sprintf("%s: %s (%s)", c.workload, figures.Plural(n[c], "point"), c.why))
	}
	return partial, marks
}

// levelOf names a point's level as the terminal does.
func levelOf(p *results.Point) string {
	switch {
	case p.IdleConnections > 0:
		return fmt.Sprintf("%d idle connections", p.IdleConnections)
	case p.Rate > 0:
		return figures.Num(p.Rate) + " req/s"
	}
	return fmt.Sprintf("%d connections", p.Connections)
}
