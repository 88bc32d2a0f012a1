package report

import (
	"fmt"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
)

// scoreRow is one line of the scorecard: a claim's heading (Claim set) or
// one of its readings.
type scoreRow struct {
	Mark, Claim, Reading, Ratio, Confirms, Refutes string
}

// scorecardView is the scorecard table and, under it, the readings whose
// repetitions were client-bound (marked † in the table), each with the
// sides that were.
type scorecardView struct {
	Rows  []scoreRow
	Bound []string
}

// marks are the scorecard's symbols, the way k6 prints its thresholds.
var marks = map[analysis.Verdict]string{
	analysis.Confirmed:    "✓",
	analysis.Refuted:      "✗",
	analysis.Inconclusive: "?",
	analysis.NotMeasured:  "–",
}

// boundMark marks a client-bound reading in the scorecard; the note under
// the table says why.
const boundMark = " †"

// scorecard is the verdict table: per claim, a heading with its verdict
// and thresholds, then each reading with its mark and paired ratio, a
// client-bound one marked, with its sides in the notes.
func scorecard(claims []analysis.Claim) scorecardView {
	var out scorecardView
	for i := range claims {
		c := &claims[i]
		out.Rows = append(out.Rows, scoreRow{Mark: marks[c.Verdict], Claim: fmt.Sprintf("%d. %s", i+1, c.Short),
			Reading: string(c.Verdict) + ": " + c.Summary(), Confirms: c.Threshold.Confirms(), Refutes: c.Threshold.Refutes()})
		for _, r := range c.Readings {
			row := scoreRow{Mark: marks[r.Verdict], Reading: r.Label, Ratio: shortRatio(r)}
			if len(r.ClientBound) > 0 {
				row.Reading += boundMark
				out.Bound = append(out.Bound, fmt.Sprintf("Claim %d, %s: client-bound repetitions of %s.", i+1, r.Label, strings.Join(r.ClientBound, ", ")))
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out
}

// shortRatio writes a reading's paired ratio for the scorecard: with its
// 95% interval, "0.872× [0.867, 0.887]"; below 6 pairs with the range and
// count, "0.0494× (range 0.0486–0.05, n=3)"; "no ratio" for a reading
// that is none.
func shortRatio(r analysis.Reading) string {
	s := r.Ratio
	switch {
	case !r.HasRatio():
		return "no ratio"
	case s.HasCI():
		return fmt.Sprintf("%s [%s, %s]", figures.Ratio(s.Median), figures.Sig3(s.Lo), figures.Sig3(s.Hi))
	case s.N == 1:
		return figures.Ratio(s.Median) + " (n=1)"
	}
	return fmt.Sprintf("%s (range %s–%s, n=%d)", figures.Ratio(s.Median), figures.Sig3(s.Min), figures.Sig3(s.Max), s.N)
}
