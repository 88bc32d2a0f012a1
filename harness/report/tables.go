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

// table is a workload's table: its rows, and whether a percentile of
// them is not resolved (so the notes say what figures.Unresolved means).
type table struct {
	// Level names the load level column; Runs says the rows are of two
	// runs, each naming its own (Run).
	Level      string
	Runs       bool
	Rows       []row
	Unresolved bool
}

// tableOf is the table of rows.
func tableOf(level string, runs bool, rows []row) table {
	t := table{Level: level, Runs: runs, Rows: rows}
	for _, r := range rows {
		t.Unresolved = t.Unresolved || r.Unresolved
	}
	return t
}

// row is one configuration in a workload's table, every figure already
// written as text.
type row struct {
	// Run names the run of a row in a report of two (A or B).
	Run                        string
	Series, Level              string
	ReqS                       string
	PeakRSS, Threads, CPU, Lag string
	// Requests counts the answers timed in the merged histograms that
	// P50, P99 and P999 are read from; P99Reps is the range of the
	// repetitions' own p99.
	Requests                string
	P50, P99, P999, P99Reps string
	Errors, Flags           string
	// Unresolved says a percentile of the row is figures.Unresolved.
	Unresolved bool
}

// rows are the table of a workload: one row per configuration, in series
// then level order.
func rows(w *analysis.Workload) []row {
	var out []row
	for i := range w.Groups {
		g := &w.Groups[i]
		out = append(out, rowOf(g.Key, w.Stats(g)))
	}
	return out
}

// rowOf is the row of configuration k, whose figures are s.
func rowOf(k results.Key, s *analysis.Stats) row {
	r := row{Series: k.Series(), Level: figures.Num(s.Level), Errors: fmt.Sprint(s.Errors), Flags: flags(s)}
	if s.AllFailed() {
		r.ReqS = "failed"
		return r
	}
	r.ReqS = figures.WithInterval(s.Throughput, figures.Num)
	r.Requests, r.P50, r.P99, r.P999, r.Unresolved = percentiles(s.Latency, s.LatencyErr)
	r.P99Reps = span(s.Latency[1])
	r.Unresolved = r.Unresolved || r.P99Reps == figures.Unresolved
	r.PeakRSS = figures.MiB(s.PeakRSS.Median)
	r.Threads = figures.Num(s.Threads.Median)
	r.CPU = figures.WithInterval(s.CPUPerRequest, figures.Num)
	r.Lag = "–"
	if lag := s.LagP99; lag.N > 0 && !math.IsNaN(lag.Median) {
		r.Lag = figures.Num(lag.Median)
	}
	return r
}

// percentiles writes the requests timed and p50, p99 and p99.9 in ms, from
// the repetitions' histograms merged (analysis.Workload.Percentiles), so
// every request weighs alike, as the charts draw them: figures.Unresolved
// (and unresolved true) where too few requests lie beyond a percentile,
// "–" where they could not be read.
func percentiles(ps [3]analysis.Percentile, err error) (requests, p50, p99, p999 string, unresolved bool) {
	if err != nil {
		return "–", "–", "–", "–", false
	}
	out := [3]string{}
	for i, p := range ps {
		out[i] = figures.Percentile(p.Ms, p.Q, p.Samples, figures.Num)
		unresolved = unresolved || out[i] == figures.Unresolved
	}
	requests = "–"
	if ps[0].Samples > 0 {
		requests = figures.Num(float64(ps[0].Samples))
	}
	return requests, out[0], out[1], out[2], unresolved
}

// span writes the range of the repetitions' own values of a percentile,
// "6.2–7.1", apart from the figure: "–" for a single repetition,
// figures.Unresolved when a repetition timed too few requests to resolve
// its own.
func span(p analysis.Percentile) string {
	switch {
	case p.Reps.N < 2:
		return "–"
	case !p.RepsResolved():
		return figures.Unresolved
	}
	return figures.Num(p.Reps.Min) + "–" + figures.Num(p.Reps.Max)
}

// flags lists what a reader must know about a configuration: client-bound
// repetitions, partial ones (their reasons are listed below the table),
// and failed ones and why. (The server flags of a variant are in its
// name.)
func flags(s *analysis.Stats) string {
	var fs []string
	if s.Bound > 0 {
		fs = append(fs, fmt.Sprintf("**client-bound** (%d/%d)", s.Bound, s.Reps))
	}
	if s.Partial > 0 {
		note := "left out"
		if s.Partial+s.Failed == s.Reps {
			note = "figures from them"
		}
		fs = append(fs, fmt.Sprintf("**partial** (%d/%d, %s)", s.Partial, s.Reps, note))
	}
	if s.Failed > 0 {
		fs = append(fs, fmt.Sprintf("**failed** (%d/%d): %s", s.Failed, s.Reps, strings.Join(s.FailReasons, "; ")))
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
				out = append(out, fmt.Sprintf("%s at %s, repetition %d: %s", g.Key.Series(), figures.Num(w.Stats(&g).Level), p.Rep+1, strings.Join(p.Validity.Reasons, "; ")))
			}
		}
	}
	return out
}

// routeRow is the latency of one route of one configuration.
type routeRow struct {
	Series, Level, Route string
	// Requests counts the answers to the route timed over the
	// repetitions, which the percentiles are read from.
	Requests       string
	P50, P99, P999 string
	Unresolved     bool
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
		s := w.Stats(g)
		if s.AllFailed() {
			continue
		}
		for _, rs := range s.Routes {
			r := routeRow{Series: g.Key.Series(), Level: figures.Num(s.Level), Route: rs.Route}
			r.Requests, r.P50, r.P99, r.P999, r.Unresolved = percentiles(rs.Latency, rs.LatencyErr)
			out = append(out, r)
		}
	}
	return out
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
