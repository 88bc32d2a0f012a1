package report

import (
	"fmt"
	"math"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
)

// pooledSummary is what the report says of the runs its claims were pooled
// over.
type pooledSummary struct {
	Runs      string
	Agreement string
	Method    string
	Changed   []string
}

// pooledView writes the pooled runs' agreement, nil for a single run.
func pooledView(p *analysis.Pooled) *pooledSummary {
	if p == nil {
		return nil
	}
	s := &pooledSummary{Runs: "`" + strings.Join(p.Runs, "`, `") + "`", Changed: p.Changed}
	share := p.Share()
	switch {
	case p.Pairs == 0:
		s.Agreement = "No reading had a 95% interval in every run, so none could be checked against another run."
	default:
		verdict := "at or above"
		if share < analysis.AgreementTarget {
			verdict = "below"
		}
		s.Agreement = fmt.Sprintf("%d of %d times (%.0f%%) a run's median of a deciding reading fell inside another run's 95%% interval, %s the %.0f%% a run's own intervals should reach.",
			p.Inside, p.Pairs, 100*share, verdict, 100*analysis.AgreementTarget)
	}
	s.Method = fmt.Sprintf("Each pooled reading is the geometric mean of the runs' medians; its 95%% interval counts the runs' own interval widths and, beyond them, how far the runs' medians lie apart: a between-run standard deviation of %s in log ratio (%s), estimated over every reading the runs share (%d degrees of freedom). The intervals are that much wider than a single run's; the verdicts are decided again on them.",
		figures.Sig3(p.Between), fmt.Sprintf("a factor of %s", figures.Sig3(math.Exp(p.Between))), p.DF)
	return s
}
