package plot

import "loopbench/harness/analysis"

// scorecardChart is the forest plot of every claim's readings, the figure
// REPORT.md opens with; nil when no claim has a reading.
func scorecardChart(claims []analysis.Claim, sh sheet) (*Chart, error) {
	var groups []ForestGroup
	drawn := false
	for _, c := range claims {
		g := ForestGroup{Name: c.Short, Verdict: c.Verdict, Threshold: c.Threshold}
		for _, r := range c.Readings {
			if r.HasRatio() {
				g.Readings = append(g.Readings, r)
				drawn = true
			} else {
				g.Unplotted++
			}
		}
		groups = append(groups, g)
	}
	if !drawn {
		return nil, nil
	}
	return Forest(title("scorecard: every claim's paired ratios with their 95% intervals", "", sh.host), groups)
}
