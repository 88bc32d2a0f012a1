package runner

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// Summary writes one table per workload of a run, from its analysis, in
// the order the run measured them: for each model, variant and level, the
// medians over repetitions of throughput, latency, memory, threads, CPU per
// request, the errors, and the flags (client-bound, PARTIAL, FAILED).
// Throughput and CPU per request carry their 95% confidence interval, or
// their range below 6 repetitions; a line under each table says so and
// lists the partial points with their reasons.
func Summary(w io.Writer, a *analysis.Analysis) {
	var order []string
	byWorkload := map[string][]results.Group{}
	for _, g := range a.Groups {
		if _, ok := byWorkload[g.Key.Workload]; !ok {
			order = append(order, g.Key.Workload)
		}
		byWorkload[g.Key.Workload] = append(byWorkload[g.Key.Workload], g)
	}
	for _, name := range order {
		fmt.Fprintf(w, "\n%s\n", name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "model\tlevel\treq/s\tp50 ms\tp99 ms\tpeak RSS MiB\tthreads\terrors\tCPU µs/req\t  flags")
		var partial []string
		for _, g := range byWorkload[name] {
			fmt.Fprintln(tw, summaryRow(&g, a.Stats(&g)))
			for _, row := range routeRows(&g) {
				fmt.Fprintln(tw, row)
			}
			partial = append(partial, partialLines(&g)...)
		}
		tw.Flush()
		fmt.Fprintln(w, "  req/s, CPU: median [95% interval], or (range, n) below 6 repetitions")
		for _, l := range partial {
			fmt.Fprintln(w, "  "+l)
		}
	}
	printHosts(w, a.Run.Env.Hosts)
}

// summaryRow is the line of configuration g, whose table figures are s;
// its latency is the median of the repetitions' own percentiles.
func summaryRow(g *results.Group, s *analysis.Stats) string {
	level := workload.LevelOf(g.Key).String()
	if g.Failed() {
		reason := g.Points[0].FailReason
		if len(reason) > 60 {
			reason = reason[:60] + "…"
		}
		return fmt.Sprintf("%s\t%s\t-\t-\t-\t-\t-\t-\t-\t  FAILED: %s", g.Key.Series(), level, reason)
	}
	p50 := g.Measure(func(p *results.Point) float64 { return p.Latency.P50 })
	p99 := g.Measure(func(p *results.Point) float64 { return p.Latency.P99 })
	return fmt.Sprintf("%s\t%s\t%s\t%.2f\t%.2f\t%.1f\t%.0f\t%d\t%s\t  %s",
		g.Key.Series(), level, figure("%.0f", s.Throughput), p50.Median/1000, p99.Median/1000,
		s.PeakRSS.Median/(1<<20), s.Threads.Median, s.Errors, figure("%.1f", s.CPUPerRequest), flags(g))
}

// figure writes a median in format with its 95% interval, "9.5 [9.1, 9.8]",
// or below 6 repetitions with their range and count, "9.5 (9.1–9.8, n=2)".
func figure(format string, s results.Stat) string {
	v := func(x float64) string { return fmt.Sprintf(format, x) }
	if s.HasCI() {
		return v(s.Median) + " [" + v(s.Lo) + ", " + v(s.Hi) + "]"
	}
	if s.N < 2 {
		return fmt.Sprintf("%s (n=%d)", v(s.Median), s.N)
	}
	return fmt.Sprintf("%s (%s–%s, n=%d)", v(s.Median), v(s.Min), v(s.Max), s.N)
}

// partialLines name the partial points of g with their reasons.
func partialLines(g *results.Group) []string {
	var out []string
	for _, p := range g.Points {
		if !p.Failed && !p.Usable() {
			out = append(out, fmt.Sprintf("partial: %s %s rep %d: %s", g.Key.Series(), workload.LevelOf(g.Key).String(), p.Rep+1, strings.Join(p.Validity.Reasons, "; ")))
		}
	}
	return out
}

// routeRows gives each route of a mixed point its own row, with the
// route's own throughput and latency: how the slow route delays the fast one.
func routeRows(g *results.Group) []string {
	var targets []string
	for _, p := range g.Points {
		if !p.Failed && len(p.Routes) > 1 {
			for _, r := range p.Routes {
				targets = append(targets, r.Route)
			}
			break
		}
	}
	var rows []string
	for _, t := range targets {
		route := func(p *results.Point) *results.RouteStats {
			for i := range p.Routes {
				if p.Routes[i].Route == t {
					return &p.Routes[i]
				}
			}
			return &results.RouteStats{}
		}
		tput := g.Measure(func(p *results.Point) float64 { return float64(route(p).Requests) / max(p.Duration, 1e-9) })
		p50 := g.Measure(func(p *results.Point) float64 { return route(p).Latency.P50 })
		p99 := g.Measure(func(p *results.Point) float64 { return route(p).Latency.P99 })
		rows = append(rows, fmt.Sprintf("route %s\t\t%.0f\t%.2f\t%.2f\t\t\t\t\t", t, tput.Median, p50.Median/1000, p99.Median/1000))
	}
	return rows
}

func flags(g *results.Group) string {
	var f []string
	if g.ClientBound() {
		f = append(f, "client-bound")
	}
	for _, p := range g.Points {
		if !p.Failed && p.IdleHeld >= 0 && p.IdleHeld < p.IdleConnections {
			f = append(f, fmt.Sprintf("held %d of %d idle", p.IdleHeld, p.IdleConnections))
			break
		}
	}
	partial, failed := 0, 0
	for _, p := range g.Points {
		switch {
		case p.Failed:
			failed++
		case !p.Usable():
			partial++
		}
	}
	if partial > 0 {
		f = append(f, fmt.Sprintf("PARTIAL %d of %d", partial, len(g.Points)))
	}
	if failed > 0 {
		f = append(f, fmt.Sprintf("FAILED %d of %d", failed, len(g.Points)))
	}
	return strings.Join(f, " ")
}

// PointLine is the terminal line for one finished point.
func PointLine(p *results.Point) string {
	head := fmt.Sprintf("%s %s %s rep %d", p.Workload, results.Key{Model: p.Model, Variant: p.Variant}.Series(), workload.LevelOf(p.Key()).String(), p.Rep+1)
	if p.Side != "" {
		head += " " + p.Side
	}
	if p.Failed {
		return head + ": FAILED: " + p.FailReason
	}
	line := fmt.Sprintf("%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, peak RSS %.1f MiB, %d threads, %d errors, %.1f µs CPU/req",
		head, p.Throughput, p.Latency.P50/1000, p.Latency.P99/1000, float64(p.Server.PeakRSS)/(1<<20), p.Server.Threads, p.ErrorCount(), p.CPUPerRequest)
	if c := p.Connect; c != nil && c.Established > 0 {
		line += fmt.Sprintf("; connect p99 %.2f ms, all answered after %.2f s", c.Latency.P99/1000, c.Settled)
		if n := c.Unanswered + c.Dials - c.Established; n > 0 {
			line += fmt.Sprintf(", %d connections never answered or established", n)
		}
	}
	if s := p.Schedule; s != nil && s.Offered > 0 {
		line += fmt.Sprintf("; completed %.0f of %.0f req/s offered", s.Completed, s.Offered)
	}
	if p.ClientBound {
		line += " [client-bound]"
	}
	for _, m := range p.Validity.Marks {
		line += " [" + m + "]"
	}
	if p.Validity.Status == results.Partial {
		line += " [PARTIAL: " + strings.Join(p.Validity.Reasons, "; ") + "]"
	}
	return line
}
