package torture

import (
	"fmt"
	"path/filepath"
	"strings"

	"loopbench/harness/plot"
	"loopbench/harness/results"
)

// ChartName is the chart of the probe's p99 that Write adds to a run's
// directory, as ChartName.svg and ChartName.png.
const ChartName = "torture-p99"

// writeChart draws the probe's p99 during each attack, grouped by scenario,
// a bar per model, with harness/plot's bar chart: a failed pair is drawn as
// plot draws a failed point.
func (r *Report) writeChart(dir string) error {
	var bars []plot.Bar
	for _, sc := range scenarios { // grouped by scenario, in run order
		if sc.Name == "fragmentation" || sc.Name == "differential" { // checks of answers, not attacks
			continue
		}
		for _, x := range r.Results {
			if x.Scenario == sc.Name {
				bars = append(bars, plot.Bar{Model: x.Model, Group: chartLabel(sc.Name), Parts: []float64{x.ProbeP99Ms}, Failed: !x.Survived})
			}
		}
	}
	if len(bars) == 0 {
		return nil
	}
	c, err := plot.Bars(fmt.Sprintf("Probe p99 during each attack (head timeout %s)", r.HeadTimeout),
		"probe p99 (ms)", []string{"p99"}, bars, millis)
	if err != nil {
		return err
	}
	return writeChartFiles(dir, ChartName, c)
}

// chartLabel shortens the scenario names that would overlap their
// neighbours under the chart's axis.
func chartLabel(name string) string {
	switch name {
	case "non-reading-pipeliner":
		return "pipeliner"
	case "fd-exhaustion":
		return "fd-limit"
	}
	if a, ok := strings.CutPrefix(name, "slowhttptest-"); ok { // sht: slowhttptest
		return "sht-" + strings.TrimPrefix(a, "slow-")
	}
	return name
}

// millis writes a bar's value: tenths below 10 ms, whole milliseconds above.
func millis(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// writeChartFiles writes c into dir as name.svg and name.png.
func writeChartFiles(dir, name string, c *plot.Chart) error {
	for _, format := range []string{"svg", "png"} {
		b, err := c.Bytes(format)
		if err != nil {
			return err
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, name+"."+format), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
