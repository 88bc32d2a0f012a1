// Package export writes a run in the formats other tools read: the Go
// benchmark format (which benchstat reads as it is), the JSON of
// github-action-benchmark's customBiggerIsBetter and customSmallerIsBetter
// tools, and Bencher's metric format (BMF).
package export

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"loopbench/harness/results"
)

// Formats are the names Write takes.
var Formats = []string{"gobench", "github-action-benchmark", "bmf"}

// unit is a metric's Go benchmark unit: its name and unit, without spaces
// ("cpu-µs/req"), so benchstat's columns say what they hold.
func unit(m results.Metric) string { return m.Name + "-" + m.Unit }

// name is a point's benchmark name: the workload, then key=value parts as
// benchstat splits them (model, variant, level).
func name(p *results.Point) string {
	level := fmt.Sprintf("c=%d", p.Connections)
	switch {
	case p.IdleConnections > 0:
		level = fmt.Sprintf("idle=%d", p.IdleConnections)
	case p.Rate > 0:
		level = fmt.Sprintf("rate=%g", p.Rate)
	case p.Pipeline > 1:
		level = fmt.Sprintf("c=%dx%d", p.Connections, p.Pipeline)
	}
	w := strings.ToUpper(p.Workload[:1]) + p.Workload[1:]
	return fmt.Sprintf("Benchmark%s/model=%s/variant=%s/level=%s", strings.ReplaceAll(w, "-", "_"), p.Model, p.Variant, strings.ReplaceAll(level, "=", "_"))
}

// usable are the points the exports carry: measured and not partial.
func usable(run *results.Run) []*results.Point {
	var ps []*results.Point
	for i := range run.Points {
		if p := &run.Points[i]; p.Usable() && p.Requests > 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

// Write writes run in format. For github-action-benchmark, whose custom
// tools take one direction per file, smaller picks the figures where
// smaller is better (customSmallerIsBetter: CPU per request, p99) instead
// of those where bigger is (customBiggerIsBetter: throughput).
func Write(w io.Writer, run *results.Run, format string, smaller bool) error {
	switch format {
	case "gobench":
		return goBench(w, run)
	case "github-action-benchmark":
		return actionBenchmark(w, run, !smaller)
	case "bmf":
		return bmf(w, run)
	}
	return fmt.Errorf("unknown format %q; choose from %s", format, strings.Join(Formats, ", "))
}

// goBench writes the Go benchmark format: the environment as configuration
// lines, a Unit line per unit saying which way is better, and one result
// line per point and repetition (the iterations are its requests).
func goBench(w io.Writer, run *results.Run) error {
	e := run.Env
	conf := [][2]string{{"goos", e.OS}, {"goarch", e.Arch}, {"cpu", e.CPUModel}, {"loopbench-host", e.Host},
		{"loopbench-kernel", e.Kernel}, {"loopbench-commit", e.Commit}, {"loopbench-server-cpus", e.ServerCPUs},
		{"loopbench-client-cpus", e.ClientCPUs}, {"loopbench-run", run.ID}}
	for _, kv := range conf {
		if kv[1] != "" {
			fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
		}
	}
	for _, m := range results.Metrics {
		better := "lower"
		if m.HigherBetter {
			better = "higher"
		}
		fmt.Fprintf(w, "Unit %s better=%s\n", unit(m), better)
	}
	for _, p := range usable(run) {
		fmt.Fprintf(w, "%s %d", name(p), p.Requests)
		for _, m := range results.Metrics {
			fmt.Fprintf(w, " %.6g %s", m.Value(p), unit(m))
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}

// configuration is one group's usable repetitions: its benchmark name
// (without the "Benchmark" prefix) and its statistics of a metric.
type configuration struct {
	name string
	stat results.Stat
}

// configurations summarises m over each configuration of the run that has
// a usable repetition, in the run's order.
func configurations(run *results.Run, m results.Metric) []configuration {
	var out []configuration
	for _, g := range results.Groups(run.Points) {
		var v []float64
		var first *results.Point
		for _, p := range g.Points {
			if p.Usable() && p.Requests > 0 {
				v = append(v, m.Value(p))
				first = cmp.Or(first, p)
			}
		}
		if len(v) > 0 {
			out = append(out, configuration{strings.TrimPrefix(name(first), "Benchmark"), results.StatOf(v)})
		}
	}
	return out
}

// actionBenchmark writes github-action-benchmark's custom tool input: an
// array of {name, unit, value}, one entry per configuration and figure of
// the chosen direction, each the median of its usable repetitions.
func actionBenchmark(w io.Writer, run *results.Run, bigger bool) error {
	type entry struct {
		Name  string  `json:"name"`
		Unit  string  `json:"unit"`
		Value float64 `json:"value"`
		Extra string  `json:"extra,omitempty"`
	}
	out := []entry{}
	for _, m := range results.Metrics {
		if m.HigherBetter != bigger {
			continue
		}
		for _, c := range configurations(run, m) {
			out = append(out, entry{Name: c.name + " " + unit(m), Unit: unit(m), Value: c.stat.Median, Extra: "median of the usable repetitions of run " + run.ID})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// bmf writes Bencher's metric format: benchmark name → measure → value,
// with each configuration's median and the range of its repetitions.
func bmf(w io.Writer, run *results.Run) error {
	type value struct {
		Value      float64 `json:"value"`
		LowerValue float64 `json:"lower_value"`
		UpperValue float64 `json:"upper_value"`
	}
	out := map[string]map[string]value{}
	for _, m := range results.Metrics {
		for _, c := range configurations(run, m) {
			if out[c.name] == nil {
				out[c.name] = map[string]value{}
			}
			out[c.name][unit(m)] = value{Value: c.stat.Median, LowerValue: c.stat.Lo, UpperValue: c.stat.Hi}
		}
	}
	enc := json.NewEncoder(w) // maps encode with their keys sorted
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
