package report

import (
	_ "embed"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"text/template"

	"loopbench/harness/analysis"
	"loopbench/harness/capacity"
	"loopbench/harness/figures"
	"loopbench/harness/plot"
	"loopbench/harness/results"
)

//go:embed capacity.tmpl
var capacityTemplate string

var capacityTmpl = template.Must(template.New("capacity").Funcs(funcs).Parse(capacityTemplate))

// capacityView is the report's capacity section: a table per workload of
// its models' capacities, and the chart of its probes.
type capacityView struct {
	Price, Energy string
	Workloads     []capacityWorkload
}

// capacityWorkload is one workload's searches at one set of objectives.
type capacityWorkload struct {
	// Routes are the requests the probes sent (the workload's mix, or its
	// [capacity] target).
	Name, Objectives, Routes string
	Rows                     []capacityRow
	Chart                    *image
}

// capacityRow is a search's row, with where it started.
type capacityRow struct {
	Series, Value, PerCPU, Cost, Energy, Start, Note string
	Probes                                           int
}

// writeCapacity writes the capacity section of a run that has searches.
func writeCapacity(w io.Writer, a *analysis.Analysis, opts Options) error {
	run := a.Run
	if len(run.Capacity) == 0 {
		return nil
	}
	if err := capacityTmpl.Execute(w, capacityOf(run, opts)); err != nil {
		return fmt.Errorf("writing the capacity section: %w", err)
	}
	return nil
}

// capacityOf builds the section's view.
func capacityOf(run *results.Run, opts Options) capacityView {
	v := capacityView{Energy: energyText(run.Env.Energy)}
	if p := capacity.PriceOf(run.Env); p > 0 {
		v.Price = strconv.FormatFloat(p, 'f', -1, 64)
	}
	for i, r := range capacity.Rows(run) {
		n := len(v.Workloads)
		if n == 0 || v.Workloads[n-1].Name != r.Workload || v.Workloads[n-1].Objectives != r.Objectives {
			cw := capacityWorkload{Name: r.Workload, Objectives: r.Objectives, Routes: probedRoutes(&run.Capacity[i])}
			if imgs := chartImages(opts, r.Workload); len(imgs) > 0 {
				cw.Chart = &imgs[0]
			}
			v.Workloads = append(v.Workloads, cw)
			n++
		}
		c := &run.Capacity[i]
		row := capacityRow{Series: r.Series, Value: r.Value.String(), PerCPU: perCPU(r), Cost: costCell(r), Energy: r.Energy,
			Probes: r.Probes, Start: fmt.Sprintf("%s req/s, %s", figures.Num(c.Start), c.StartFrom), Note: r.Note}
		v.Workloads[n-1].Rows = append(v.Workloads[n-1].Rows, row)
	}
	return v
}

// probedRoutes names the routes a search's probes sent, from its first
// probe: "GET /plaintext", "GET /plaintext and GET /cpu?iter=50000".
func probedRoutes(c *results.Capacity) string {
	if len(c.Probes) == 0 {
		return ""
	}
	var names []string
	for _, r := range c.Probes[0].Point.Routes {
		names = append(names, "GET "+r.Route)
	}
	return strings.Join(names, " and ")
}

// chartImages is the capacity chart of a workload, where it was drawn.
func chartImages(opts Options, workload string) []image {
	name := plot.Name(workload, plot.KindCapacity)
	for _, p := range opts.Plots {
		if p == name {
			alt := workload + " latency against throughput"
			return []image{{Alt: alt, PNG: path.Join(opts.ImageBase, name+".png"), SVG: path.Join(opts.ImageBase, name+".svg")}}
		}
	}
	return nil
}

func perCPU(r capacity.Row) string {
	if r.CPUs == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", r.PerCPU, figures.Plural(r.CPUs, "CPU"))
}

func costCell(r capacity.Row) string {
	if r.Price <= 0 || r.Cost.Value == 0 {
		return "no price given"
	}
	return r.Cost.String()
}

// energyText says in the section's introduction how energy was read.
func energyText(env string) string {
	switch {
	case env == "":
		return "not read (the run is from before energy was read)"
	case strings.HasPrefix(env, "read"):
		return "joules per request at the highest passing probe, " + env
	}
	return env
}

// capacityPairView is the capacity section of a report of two runs.
type capacityPairView struct {
	Rows []capacityPairRow
}

// capacityPairRow is one search of both runs: A's and B's cells, then
// B ÷ A.
type capacityPairRow struct {
	Workload, Series, Objectives string
	A, B                         [3]string // capacity, per CPU, cost
	Ratio, CostRatio             string
}

// writeCapacityPair writes the capacity section of a report of two runs,
// when either has searches: each run's capacity, per server CPU and cost
// per million requests side by side, and B ÷ A of the capacity and of the
// cost with their intervals.
func writeCapacityPair(w io.Writer, a, b *results.Run) error {
	if len(a.Capacity) == 0 && len(b.Capacity) == 0 {
		return nil
	}
	var v capacityPairView
	for _, p := range capacity.Pairs(a, b) {
		v.Rows = append(v.Rows, capacityPairRow{Workload: p.Workload, Series: p.Series, Objectives: p.Objectives,
			A: pairCells(p.A), B: pairCells(p.B), Ratio: p.Ratio.Ratio(), CostRatio: p.CostRatio.Ratio()})
	}
	if err := capacityPairTmpl.Execute(w, v); err != nil {
		return fmt.Errorf("writing the capacity section: %w", err)
	}
	return nil
}

func pairCells(r *capacity.Row) [3]string {
	if r == nil {
		return [3]string{"not searched", "–", "–"}
	}
	return [3]string{r.Value.String(), perCPU(*r), costCell(*r)}
}

const capacityPairTemplate = `
## Capacity and cost

Each run's capacity searches side by side: the highest offered rate (req/s) at which an open
loop held its rate and met the objectives, with its 95% interval, per server CPU, and the cost
of a million requests where the run recorded its machine's price (price per hour ÷ (capacity ×
3600) × 10⁶); then B ÷ A of the capacity and of the cost, their intervals combining both runs'
on the log scale (MOVER). The runs were measured apart: a ratio measures the machines and their
days alike.

| workload | objectives | model | A capacity | B capacity | B ÷ A | A per CPU | B per CPU | A cost/M req | B cost/M req | cost B ÷ A |
|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|
{{- range .Rows}}
| {{.Workload}} | {{.Objectives}} | {{.Series}} | {{index .A 0}} | {{index .B 0}} | {{.Ratio}} | {{index .A 1}} | {{index .B 1}} | {{index .A 2}} | {{index .B 2}} | {{.CostRatio}} |
{{- end}}
`

var capacityPairTmpl = template.Must(template.New("capacity pair").Parse(capacityPairTemplate))
