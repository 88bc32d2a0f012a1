package plot

import (
	"loopbench/harness/analysis"
)

// KindConnect is the chart of how a workload's connections were
// established (the accept burst's question: what happens when thousands
// of clients arrive at once).
const KindConnect = "connect"

// connectChart answers, for a workload whose connections arrive as its
// level rises (the accept burst), how long each took to be established and
// to be answered the first time: the connect latency's and the first
// answer's p99 over every connection of the repetitions against the number
// arriving, one line per model. Points that left connections unanswered
// are marked with their count, as errors.
func connectChart(w *analysis.Workload, sh sheet) (*Chart, error) {
	if w.Mode != "burst" || !multi(w) {
		return nil, nil
	}
	pick := []struct {
		title string
		f     func(analysis.Life) float64
	}{
		{"connect latency, p99", func(l analysis.Life) float64 { return l.Connect[1] }},
		{"first answer, p99 (from each dial)", func(l analysis.Life) float64 { return l.FirstAnswer[1] }},
	}
	var panels []Panel
	for _, pk := range pick {
		var ss []Series
		for i := range w.Groups {
			g := &w.Groups[i]
			if len(ss) == 0 || ss[len(ss)-1].Model != g.Key.Model || ss[len(ss)-1].Variant != g.Key.Variant {
				ss = append(ss, Series{Model: g.Key.Model, Variant: g.Key.Variant, Style: sh.palette.Of(g.Key.Model)})
			}
			l := analysis.LifeOf(g)
			if l.Recorded == 0 {
				continue
			}
			s := &ss[len(ss)-1]
			s.Points = append(s.Points, XY{X: analysis.Level(g), Y: pk.f(l), Errors: l.Unanswered, Failed: g.Failed()})
		}
		panels = append(panels, Panel{Title: pk.title, X: Axis{Label: "clients arriving at once (log scale)", Log: true}, Y: msAxis, Series: ss})
	}
	c, err := Lines(title("connections arriving at once", w.Name, sh.host), false, panels...)
	if err != nil || c == nil {
		return c, err
	}
	c.Notes = append(c.Notes, "each dot is the p99 over every connection of the repetitions; a count beside a dot is the connections never answered before the burst's timeout")
	return c, nil
}
