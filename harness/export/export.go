// Package export writes a run in the formats other tools read: the Go
// benchmark format (which benchstat reads as it is), the JSON of
// github-action-benchmark's customBiggerIsBetter and customSmallerIsBetter
// tools, and Bencher's metric format (BMF).
package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"loopbench/harness/results"
)

// Formats are the names Write takes.
var Formats = []string{"gobench", "github-action-benchmark", "bmf"}

// metric is one figure of a point as the formats name it.
type metric struct {
	unit         string // a Go benchmark unit: no spaces
	higherBetter bool
	value        func(*results.Point) float64
}

var metrics = []metric{
	{unit: "req/s", higherBetter: true, value: func(p *results.Point) float64 { return p.Throughput }},
	{unit: "cpu-µs/req", value: func(p *results.Point) float64 { return p.CPUPerRequest }},
	{unit: "p99-ms", value: func(p *results.Point) float64 { return p.Latency.P99 / 1000 }},
}

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
	for _, m := range metrics {
		better := "lower"
		if m.higherBetter {
			better = "higher"
		}
		fmt.Fprintf(w, "Unit %s better=%s\n", m.unit, better)
	}
	for _, p := range usable(run) {
		fmt.Fprintf(w, "%s %d", name(p), p.Requests)
		for _, m := range metrics {
			fmt.Fprintf(w, " %.6g %s", m.value(p), m.unit)
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
	}
	return nil
}

// medians gives each point's configuration the median of m over its
// usable repetitions, in the run's order.
func medians(run *results.Run, m metric) (names []string, values map[string]float64) {
	values = map[string]float64{}
	for _, g := range results.Groups(run.Points) {
		var v []float64
		var first *results.Point
		for _, p := range g.Points {
			if p.Usable() && p.Requests > 0 {
				v = append(v, m.value(p))
				if first == nil {
					first = p
				}
			}
		}
		if len(v) == 0 {
			continue
		}
		n := strings.TrimPrefix(name(first), "Benchmark")
		names = append(names, n)
		values[n] = results.StatOf(v).Median
	}
	return names, values
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
	for _, m := range metrics {
		if m.higherBetter != bigger {
			continue
		}
		names, values := medians(run, m)
		for _, n := range names {
			out = append(out, entry{Name: n + " " + m.unit, Unit: m.unit, Value: values[n], Extra: "median of the usable repetitions of run " + run.ID})
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
	for _, g := range results.Groups(run.Points) {
		for _, m := range metrics {
			var v []float64
			var first *results.Point
			for _, p := range g.Points {
				if p.Usable() && p.Requests > 0 {
					v = append(v, m.value(p))
					first = cmpFirst(first, p)
				}
			}
			if len(v) == 0 {
				continue
			}
			st := results.StatOf(v)
			n := strings.TrimPrefix(name(first), "Benchmark")
			if out[n] == nil {
				out[n] = map[string]value{}
			}
			out[n][m.unit] = value{Value: st.Median, LowerValue: st.Lo, UpperValue: st.Hi}
		}
	}
	enc := json.NewEncoder(w) // maps encode with their keys sorted
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func cmpFirst(first, p *results.Point) *results.Point {
	if first == nil {
		return p
	}
	return first
}
