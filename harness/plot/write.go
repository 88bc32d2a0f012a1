package plot

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// Dir is the directory, inside a results directory, that holds the charts.
const Dir = "plots"

// File is one chart written by WriteAll, as PNG and SVG.
type File struct {
	// Workload is empty for a chart of the whole run (loop lag).
	Workload string
	Kind     string
	PNG, SVG string
	Title    string
}

// Name is the base name, without extension, of a chart's files:
// "<workload>-<kind>", or "<kind>" for a chart of the whole run.
func Name(workload, kind string) string {
	if workload == "" {
		return kind
	}
	return workload + "-" + kind
}

// Planned is a chart built but not drawn yet.
type Planned struct {
	Workload, Kind string
	Chart          *Chart
}

// Name is the base name of the chart's files.
func (p Planned) Name() string { return Name(p.Workload, p.Kind) }

// Plan builds every chart the analysis of a run supports, in report
// order, without drawing them.
func Plan(a *analysis.Analysis) ([]Planned, error) {
	var out []Planned
	sh := sheetOf(a)
	card, err := scorecardChart(a.Claims, sh)
	if err != nil {
		return nil, err
	}
	if card != nil {
		out = append(out, Planned{"", KindScorecard, card})
	}
	ws := a.Workloads
	for i := range ws {
		cs, err := charts(ws, &ws[i], sh)
		if err != nil {
			return nil, err
		}
		for _, kind := range Kinds {
			if c := cs[kind]; c != nil {
				out = append(out, Planned{ws[i].Name, kind, c})
			}
		}
	}
	lag, err := loopLagChart(ws, sh)
	if lag != nil {
		out = append(out, Planned{"", KindLoopLag, lag})
	}
	if err != nil {
		return out, err
	}
	caps, err := capacityCharts(a, sh)
	return append(out, caps...), err
}

// WriteAll draws every chart of a run's analysis into dir/plots, PNG and
// SVG, and returns the files in report order.
func WriteAll(dir string, a *analysis.Analysis) ([]File, error) {
	out := filepath.Join(dir, Dir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	planned, err := Plan(a)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, p := range planned {
		f, err := save(out, p.Workload, p.Kind, p.Chart)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, removeStale(out, files)
}

// removeStale deletes the charts of an earlier plot of the same run that
// this one did not draw (a workload that lost its second level), so the
// report links only current charts. Only files named like a chart are
// touched.
func removeStale(dir string, files []File) error {
	keep := map[string]bool{}
	for _, f := range files {
		keep[f.PNG], keep[f.SVG] = true, true
	}
	for _, ext := range []string{"*.png", "*.svg"} {
		old, err := filepath.Glob(filepath.Join(dir, ext))
		if err != nil {
			return err
		}
		for _, path := range old {
			base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
			if !keep[path] && isChartName(base) {
				if err := os.Remove(path); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isChartName(base string) bool {
	for _, k := range append(slices.Clone(Kinds), KindCapacity) {
		if base == k || strings.HasSuffix(base, "-"+k) {
			return true
		}
	}
	return false
}

// save writes c as dir/<name>.png and dir/<name>.svg.
func save(dir, workload, kind string, c *Chart) (File, error) {
	base := filepath.Join(dir, Name(workload, kind))
	f := File{Workload: workload, Kind: kind, PNG: base + ".png", SVG: base + ".svg", Title: c.Title}
	for _, format := range []string{"png", "svg"} {
		b, err := c.Bytes(format)
		if err != nil {
			return f, err
		}
		if err := os.WriteFile(base+"."+format, b, 0o644); err != nil {
			return f, fmt.Errorf("writing chart: %w", err)
		}
	}
	return f, nil
}

// loopLagChart shows, per workload, the p99 timer lateness of the models
// that measure their loop, at each workload's chosen level: a dot per
// workload and series on a log axis, since the lags of one run span four
// decades (a fraction of a millisecond idle, hundreds blocked).
func loopLagChart(ws []analysis.Workload, sh sheet) (*Chart, error) {
	measures := map[string]bool{}
	for i := range ws {
		for _, g := range ws[i].Groups {
			for _, p := range g.Points {
				measures[g.Key.Series()] = measures[g.Key.Series()] || p.LoopLag != nil
			}
		}
	}
	var dots []Dot
	for i := range ws {
		for _, g := range ws[i].At(ws[i].Chosen()) {
			st := g.Measure(func(p *results.Point) float64 {
				if p.LoopLag == nil {
					return -1
				}
				return p.LoopLag.P99
			})
			if !measures[g.Key.Series()] || st.N == 0 && !g.Failed() || st.N > 0 && st.Min < 0 {
				continue
			}
			d := sh.dotOf(g, st, false)
			d.Row = ws[i].Name + ": " + g.Key.Series()
			d.Value, d.Lo, d.Hi = st.Median, st.Lo, st.Hi
			dots = append(dots, d)
		}
	}
	if len(dots) == 0 {
		return nil, nil
	}
	c, err := Dots(title("event-loop lag p99 per workload (each at its compared level)", "", sh.host), figures.Num, medianBasis,
		DotPanel{X: Axis{Label: "loop lag p99 (ms, log scale)", Log: true, Format: trim}, Dots: dots})
	if err != nil {
		return nil, err
	}
	c.Height = ForestHeight
	c.Notes = append(c.Notes, "Each repetition's p99 is the server's own: the lateness of a timer due every 10 ms over its life, warm-up included, about 100 firings a second, so a repetition under 10 s gives fewer than the 1000 a resolved p99 needs (the run does not record the count). Read it as the latest few firings.")
	return c, nil
}
