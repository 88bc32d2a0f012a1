package plot

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

// KindIdeal is the chart of a pure-waiting sweep's throughput against its
// ideal (connections ÷ wait): where each model stops keeping up.
const KindIdeal = "ideal"

// idealChart answers claim 2's question for a pure-waiting sweep (a closed
// loop whose route waits ms= milliseconds, at several connection counts):
// what share of the ideal throughput each model reached at each count,
// with the line under which a count is not kept up.
func idealChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	wait := analysis.WaitOf(w)
	if w.Mode != "closed" || wait == 0 || !multi(w) || wait < 0.1 {
		return nil, nil
	}
	share := func(p *results.Point) float64 { return p.Throughput * wait / float64(p.Connections) }
	ss := sh.seriesOf(w, share, true)
	x := levelAxis(w)
	c, err := Lines(title("throughput ÷ the ideal (connections ÷ wait)", w.Name, sh.host), false,
		Panel{Title: "", X: x, Y: Axis{Label: "share of the ideal", Format: trim}, Series: ss, Under: []plot.Plotter{hline(analysis.KeepsUp)}})
	if err != nil || c == nil {
		return c, err
	}
	c.Notes = append(c.Notes, "The dashed line is 90% of the ideal: a count where a model's repetitions fall below it, fail or are partial is its knee (claim 2).")
	return c, nil
}

// hline is a dashed grey line across a panel at y.
func hline(y float64) plot.Plotter {
	f := plotter.NewFunction(func(float64) float64 { return y })
	f.Color, f.Width, f.Dashes = color.Gray{0x70}, vg.Points(1), []vg.Length{vg.Points(3), vg.Points(2)}
	return f
}
