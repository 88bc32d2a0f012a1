package torture

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot/font"

	"loopbench/harness/plot"
)

// SlowChartName is the chart of slowhttptest's attacks that Write adds to
// a run's directory (.svg and .png): the connections each attack held,
// second by second, a panel per attack and a line per model.
const SlowChartName = "torture-slowhttptest"

// writeSlowChart draws the timelines of the slowhttptest scenarios, if any.
func (r *Report) writeSlowChart(dir string) error {
	var panels []plot.Panel
	for _, sc := range scenarios {
		if !strings.HasPrefix(sc.Name, "slowhttptest-") {
			continue
		}
		pn := plot.Panel{Title: sc.Name, X: plot.Axis{Label: "seconds"}, Y: plot.Axis{Label: "connections held"}}
		for _, x := range r.Results {
			if x.Scenario == sc.Name && len(x.Timeline) > 0 {
				pn.Series = append(pn.Series, timelineSeries(x))
			}
		}
		if len(pn.Series) > 0 {
			panels = append(panels, pn)
		}
	}
	if len(panels) == 0 {
		return nil
	}
	c, err := plot.Lines(fmt.Sprintf("Connections slowhttptest held (head timeout %s); a cross marks a second its probe was not served", r.HeadTimeout), true, panels...)
	if err != nil {
		return err
	}
	c.Height = plot.Height * 9 / 20 * font.Length(len(panels)+1) // room for each stacked panel's axes
	return writeChartFiles(dir, SlowChartName, c)
}

// timelineSeries is one model's connections held, second by second; a
// second whose probe went unanswered is drawn as a failed point.
func timelineSeries(x Result) plot.Series {
	s := plot.Series{Model: x.Model, Plain: true}
	for _, t := range x.Timeline {
		s.Points = append(s.Points, plot.XY{X: float64(t.Second), Y: float64(t.Connected), Failed: !t.Available})
	}
	return s
}
