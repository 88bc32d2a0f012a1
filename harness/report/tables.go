package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"loopbench/harness/plot"
	"loopbench/harness/results"
)

// row is one configuration in a workload's table, every figure already
// written as text.
type row struct {
	Series, Level              string
	ReqS, Spread               string
	P50, P99, P999             string
	PeakRSS, Threads, CPU, Lag string
	Errors, Flags              string
}

// rows are the table of a workload: one row per configuration, in series
// then level order.
func rows(w *plot.Workload) []row {
	var out []row
	for i := range w.Groups {
		out = append(out, rowOf(&w.Groups[i]))
	}
	return out
}

func rowOf(g *results.Group) row {
	r := row{Series: g.Key.Series(), Level: num(plot.Level(g)), Errors: fmt.Sprint(g.Errors()), Flags: flags(g)}
	if g.Failed() {
		r.ReqS, r.Spread, r.P50, r.P99, r.P999, r.PeakRSS, r.Threads, r.CPU, r.Lag = "failed", "", "", "", "", "", "", "", ""
		return r
	}
	tput := g.Measure(func(p *results.Point) float64 { return p.Throughput })
	r.ReqS = num(tput.Median)
	r.Spread = spread(tput)
	ms := func(f func(*results.Point) float64) string { return num(g.Measure(f).Median / 1000) }
	r.P50 = ms(func(p *results.Point) float64 { return p.Latency.P50 })
	r.P99 = ms(func(p *results.Point) float64 { return p.Latency.P99 })
	r.P999 = ms(func(p *results.Point) float64 { return p.Latency.P999 })
	r.PeakRSS = mib(g.Measure(func(p *results.Point) float64 { return float64(p.Server.PeakRSS) }).Median)
	r.Threads = num(g.Measure(func(p *results.Point) float64 { return float64(p.Server.Threads) }).Median)
	r.CPU = num(g.Measure(func(p *results.Point) float64 { return p.CPUPerRequest }).Median)
	r.Lag = "–"
	if lag := g.Measure(lagP99); lag.N > 0 && !math.IsNaN(lag.Median) {
		r.Lag = num(lag.Median)
	}
	return r
}

// lagP99 is the loop lag p99 in ms, NaN for a model that does not measure it.
func lagP99(p *results.Point) float64 {
	if p.LoopLag == nil {
		return math.NaN()
	}
	return p.LoopLag.P99
}

// spread is the range of the repetitions as ± half of it relative to the
// median, and the count: "±3% (3)". One repetition has no spread.
func spread(s results.Stat) string {
	if s.N < 2 {
		return fmt.Sprintf("(%d rep)", s.N)
	}
	return fmt.Sprintf("±%s (%d)", pct(s.Spread()/2), s.N)
}

// flags lists what a reader must know about a configuration: client-bound
// repetitions, and failed ones and why. (The server flags of a variant are
// in its name.)
func flags(g *results.Group) string {
	var fs []string
	bound, failed := 0, 0
	var reasons []string
	for _, p := range g.Points {
		if p.ClientBound {
			bound++
		}
		if p.Failed {
			failed++
			if !slices.Contains(reasons, p.FailReason) {
				reasons = append(reasons, p.FailReason)
			}
		}
	}
	if bound > 0 {
		fs = append(fs, fmt.Sprintf("**client-bound** (%d/%d)", bound, len(g.Points)))
	}
	if failed > 0 {
		fs = append(fs, fmt.Sprintf("**failed** (%d/%d): %s", failed, len(g.Points), strings.Join(reasons, "; ")))
	}
	return cell(strings.Join(fs, ", "))
}

// routeRow is the latency of one route of one configuration.
type routeRow struct {
	Series, Level, Route string
	Requests             string
	P50, P99, P999       string
}

// routeRows break the latency of a workload with several routes down by
// route, medians over repetitions; nil for a single route.
func routeRows(w *plot.Workload) []routeRow {
	if w.MainRoute() == "" {
		return nil
	}
	var out []routeRow
	for i := range w.Groups {
		g := &w.Groups[i]
		if g.Failed() {
			continue
		}
		for _, route := range routesOf(g) {
			at := func(f func(*results.Latency) float64) func(*results.Point) float64 {
				return func(p *results.Point) float64 {
					if l := plot.RouteLatency(p, route); l != nil {
						return f(l)
					}
					return math.NaN()
				}
			}
			ms := func(f func(*results.Latency) float64) string { return num(g.Measure(at(f)).Median / 1000) }
			out = append(out, routeRow{Series: g.Key.Series(), Level: num(plot.Level(g)), Route: route,
				Requests: num(g.Measure(func(p *results.Point) float64 { return routeRequests(p, route) }).Median),
				P50:      ms(func(l *results.Latency) float64 { return l.P50 }),
				P99:      ms(func(l *results.Latency) float64 { return l.P99 }),
				P999:     ms(func(l *results.Latency) float64 { return l.P999 })})
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

// routesOf lists the routes of a configuration's points, in their order.
func routesOf(g *results.Group) []string {
	var rs []string
	for _, p := range g.Points {
		for _, r := range p.Routes {
			if !slices.Contains(rs, r.Route) {
				rs = append(rs, r.Route)
			}
		}
	}
	return rs
}

// cpuSets names the CPU sets a workload's points ran on.
func cpuSets(w *plot.Workload) string {
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
