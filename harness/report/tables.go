package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// row is one configuration in a workload's table, every figure already
// written as text.
type row struct {
	Series, Level              string
	ReqS                       string
	P50, P99, P999, P99Reps    string
	PeakRSS, Threads, CPU, Lag string
	Errors, Flags              string
}

// rows are the table of a workload: one row per configuration, in series
// then level order.
func rows(w *analysis.Workload) []row {
	var out []row
	for i := range w.Groups {
		out = append(out, rowOf(w, &w.Groups[i]))
	}
	return out
}

// rowOf is the row of configuration g of workload w.
func rowOf(w *analysis.Workload, g *results.Group) row {
	r := row{Series: g.Key.Series(), Level: figures.Num(analysis.Level(g)), Errors: fmt.Sprint(g.Errors()), Flags: flags(g)}
	if g.Failed() {
		r.ReqS = "failed"
		return r
	}
	r.ReqS = figures.WithInterval(g.Measure(func(p *results.Point) float64 { return p.Throughput }), figures.Num)
	r.P50, r.P99, r.P999 = percentiles(w, g, "")
	r.P99Reps = span(g.Measure(func(p *results.Point) float64 { return p.Latency.P99 / 1000 }))
	r.PeakRSS = figures.MiB(g.Measure(func(p *results.Point) float64 { return float64(p.Server.PeakRSS) }).Median)
	r.Threads = figures.Num(g.Measure(func(p *results.Point) float64 { return float64(p.Server.Threads) }).Median)
	r.CPU = figures.WithInterval(g.Measure(func(p *results.Point) float64 { return p.CPUPerRequest }), figures.Num)
	r.Lag = "–"
	if lag := g.Measure(analysis.LagP99); lag.N > 0 && !math.IsNaN(lag.Median) {
		r.Lag = figures.Num(lag.Median)
	}
	return r
}

// percentiles writes p50, p99 and p99.9 in ms of the latency of route
// ("": every route) of configuration g of w, from its repetitions'
// histograms merged (analysis.Workload.Percentiles), so every request
// weighs alike, as the charts draw them.
func percentiles(w *analysis.Workload, g *results.Group, route string) (p50, p99, p999 string) {
	ps, err := w.Percentiles(g, route)
	if err != nil {
		return "–", "–", "–"
	}
	return figures.Num(ps[0].Ms), figures.Num(ps[1].Ms), figures.Num(ps[2].Ms)
}

// span writes the range of the repetitions' values, "6.2–7.1", apart from
// the figure: "–" for a single repetition.
func span(s results.Stat) string {
	if s.N < 2 {
		return "–"
	}
	return figures.Num(s.Min) + "–" + figures.Num(s.Max)
}

// flags lists what a reader must know about a configuration: client-bound
// repetitions, partial ones (their reasons are listed below the table),
// and failed ones and why. (The server flags of a variant are in its
// name.)
func flags(g *results.Group) string {
	var fs []string
	bound, failed, partial := 0, 0, 0
	var reasons []string
	for _, p := range g.Points {
		if p.ClientBound {
			bound++
		}
		if !p.Failed && !p.Usable() {
			partial++
		}
		if p.Failed {
			failed++
			if !slices.Contains(reasons, p.FailReason) {
				reasons = append(reasons, p.FailReason)
			}
		}
	}
	n := len(g.Points)
	if bound > 0 {
		fs = append(fs, fmt.Sprintf("**client-bound** (%d/%d)", bound, n))
	}
	if partial > 0 {
		note := "left out"
		if partial+failed == n {
			note = "figures from them"
		}
		fs = append(fs, fmt.Sprintf("**partial** (%d/%d, %s)", partial, n, note))
	}
	if failed > 0 {
		fs = append(fs, fmt.Sprintf("**failed** (%d/%d): %s", failed, n, strings.Join(reasons, "; ")))
	}
	return cell(strings.Join(fs, ", "))
}

// partials lists the partial points of a workload with their reasons, for
// the line under its table.
func partials(w *analysis.Workload) []string {
	var out []string
	for _, g := range w.Groups {
		for _, p := range g.Points {
			if !p.Failed && !p.Usable() {
				out = append(out, fmt.Sprintf("%s at %s, repetition %d: %s", g.Key.Series(), figures.Num(analysis.Level(&g)), p.Rep+1, strings.Join(p.Validity.Reasons, "; ")))
			}
		}
	}
	return out
}

// routeRow is the latency of one route of one configuration.
type routeRow struct {
	Series, Level, Route string
	Requests             string
	P50, P99, P999       string
}

// routeRows break the latency of a workload with several routes down by
// route, percentiles from the merged histograms of the repetitions; nil
// for a single route.
func routeRows(w *analysis.Workload) []routeRow {
	if w.MainRoute() == "" {
		return nil
	}
	var out []routeRow
	for i := range w.Groups {
		g := &w.Groups[i]
		if g.Failed() {
			continue
		}
		for _, route := range analysis.RoutesOf(g) {
			r := routeRow{Series: g.Key.Series(), Level: figures.Num(analysis.Level(g)), Route: route,
				Requests: figures.Num(g.Measure(func(p *results.Point) float64 { return routeRequests(p, route) }).Median)}
			r.P50, r.P99, r.P999 = percentiles(w, g, route)
			out = append(out, r)
		}
	}
	return out
}

// routeRequests is the number of answers to route in p, NaN without it.
func routeRequests(p *results.Point, route string) float64 {
	for _, r := range p.Routes {
		if r.Route == route {
			return float64(r.Requests)
		}
	}
	return math.NaN()
}

// cpuSets names the CPU sets a workload's points ran on.
func cpuSets(w *analysis.Workload) string {
	var sets []string
	for _, g := range w.Groups {
		for _, p := range g.Points {
			s := fmt.Sprintf("server CPUs `%s`, load generator CPUs `%s`", p.ServerCPUs, p.ClientCPUs)
			if !slices.Contains(sets, s) {
				sets = append(sets, s)
			}
		}
	}
	return strings.Join(sets, "; ")
}
