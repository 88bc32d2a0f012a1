package analysis

import (
	"fmt"
	"math"
	"slices"

	"loopbench/harness/results"
)

// AgreementTarget is the share of deciding readings whose median in one
// run must fall inside another run's 95% interval for one run's intervals
// to be taken as they are; below it, pooled intervals carry a between-run
// component.
const AgreementTarget = 0.90

// Pooled is the claims of several runs of one machine read together, with
// the run as the unit: each reading's ratio is the geometric mean of the
// runs' medians, and its interval carries both the runs' own intervals and
// how far the runs' medians lie apart (the between-run component), so an
// interval survives a second run. Agreement says how often a run's median
// fell inside another run's interval, before any widening.
type Pooled struct {
	// Runs are the runs' ids, oldest first.
	Runs []string
	// Claims are the newest run's claims with every reading that all the
	// runs made pooled, and the verdicts decided again on them.
	Claims []Claim
	// Agreement: of Pairs (a reading, and an ordered pair of runs),
	// Inside had the second run's median inside the first run's 95%
	// interval.
	Pairs, Inside int
	// Changed lists the readings and claims whose verdict differs between
	// the runs.
	Changed []string
	// Between is the between-run standard deviation of a reading's log
	// ratio, estimated from every reading the runs share (beyond what
	// their own intervals explain); DF its degrees of freedom.
	Between float64
	DF      int
}

// Share is the agreement: Inside ÷ Pairs (NaN without a pair).
func (p *Pooled) Share() float64 {
	if p.Pairs == 0 {
		return math.NaN()
	}
	return float64(p.Inside) / float64(p.Pairs)
}

// Pool reads the analyses of several runs of one machine together. The
// first is the oldest; the claims are the newest's.
func Pool(as []*Analysis) *Pooled {
	p := &Pooled{}
	for _, a := range as {
		p.Runs = append(p.Runs, a.Run.ID)
	}
	newest := as[len(as)-1]
	p.Claims = slices.Clone(newest.Claims)
	p.between(as)
	for ci := range p.Claims {
		c := &p.Claims[ci]
		c.Readings = slices.Clone(c.Readings)
		for ri := range c.Readings {
			r := &c.Readings[ri]
			per := readingsOf(as, ci, r.Label)
			if len(per) != len(as) {
				continue
			}
			p.agree(per)
			p.changed(per, fmt.Sprintf("claim %d, %s", ci+1, r.Label))
			if r.HasRatio() && c.Threshold.Ratio() {
				r.Ratio = p.poolRatio(per)
				r.Verdict = c.Threshold.grade(r.Ratio)
				r.Text += fmt.Sprintf(" — over %d runs: %s", len(as), pooledText(r.Ratio))
			} else if !sameVerdict(per) {
				r.Verdict = Inconclusive
				r.Text += fmt.Sprintf(" — over %d runs the verdicts differ (%s)", len(as), verdicts(per))
			}
		}
		before := c.Verdict
		c.decide()
		if before != c.Verdict {
			p.Changed = append(p.Changed, fmt.Sprintf("claim %d: %s in the newest run, %s pooled", ci+1, before, c.Verdict))
		}
	}
	return p
}

// readingsOf finds, in each run, the reading of claim ci labelled label.
func readingsOf(as []*Analysis, ci int, label string) []Reading {
	var out []Reading
	for _, a := range as {
		if ci >= len(a.Claims) {
			return nil
		}
		for _, r := range a.Claims[ci].Readings {
			if r.Label == label {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// agree counts, for every ordered pair of runs with intervals, whether the
// second's median lies inside the first's interval.
func (p *Pooled) agree(per []Reading) {
	for i, a := range per {
		for j, b := range per {
			if i == j || !a.Ratio.HasCI() || b.Ratio.N == 0 {
				continue
			}
			p.Pairs++
			if b.Ratio.Median >= a.Ratio.Lo && b.Ratio.Median <= a.Ratio.Hi {
				p.Inside++
			}
		}
	}
}

func (p *Pooled) changed(per []Reading, what string) {
	if !sameVerdict(per) {
		p.Changed = append(p.Changed, fmt.Sprintf("%s: %s", what, verdicts(per)))
	}
}

func sameVerdict(per []Reading) bool {
	for _, r := range per {
		if r.Verdict != per[0].Verdict {
			return false
		}
	}
	return true
}

func verdicts(per []Reading) string {
	s := ""
	for i, r := range per {
		if i > 0 {
			s += ", then "
		}
		s += string(r.Verdict)
	}
	return s
}

// halfWidth is a ratio's 95% interval's half-width in log, as a run gave
// it (0 without an interval).
func halfWidth(s results.Stat) float64 {
	if !s.HasCI() || s.Lo <= 0 || s.Hi <= 0 {
		return 0
	}
	return (math.Log(s.Hi) - math.Log(s.Lo)) / 2
}

// between estimates the between-run standard deviation of the log ratios:
// over every reading all runs made with intervals, the runs' medians'
// variance less what their own intervals explain, pooled.
func (p *Pooled) between(as []*Analysis) {
	var num float64
	df := 0
	for ci, c := range as[len(as)-1].Claims {
		for _, r := range c.Readings {
			per := readingsOf(as, ci, r.Label)
			if len(per) != len(as) || len(per) < 2 || !allCI(per) {
				continue
			}
			var logs []float64
			var within float64
			for _, q := range per {
				logs = append(logs, math.Log(q.Ratio.Median))
				sd := halfWidth(q.Ratio) / 1.96
				within += sd * sd
			}
			within /= float64(len(per))
			num += math.Max(0, variance(logs)-within) * float64(len(per)-1)
			df += len(per) - 1
		}
	}
	p.DF = df
	if df > 0 {
		p.Between = math.Sqrt(num / float64(df))
	}
}

func allCI(per []Reading) bool {
	for _, r := range per {
		if !r.Ratio.HasCI() || r.Ratio.Median <= 0 {
			return false
		}
	}
	return true
}

func variance(v []float64) float64 {
	var m float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	var s float64
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v)-1)
}

// poolRatio is the pooled ratio: the geometric mean of the runs' medians,
// its 95% interval from the runs' own interval widths and, where the runs
// disagree more than those explain, the between-run component: the log
// mean's variance is (mean within-run variance + Between²) ÷ runs. A reading
// some run gave no interval has none pooled (N counts the smallest run).
func (p *Pooled) poolRatio(per []Reading) results.Stat {
	var logs []float64
	var within float64
	n := math.MaxInt
	for _, r := range per {
		if r.Ratio.Median <= 0 || math.IsNaN(r.Ratio.Median) {
			return results.Stat{}
		}
		logs = append(logs, math.Log(r.Ratio.Median))
		sd := halfWidth(r.Ratio) / 1.96
		within += sd * sd
		n = min(n, r.Ratio.N)
	}
	k := float64(len(per))
	var mean float64
	for _, l := range logs {
		mean += l
	}
	mean /= k
	se := math.Sqrt((within/k + p.Between*p.Between) / k)
	st := results.Stat{Median: math.Exp(mean), N: n}
	st.Lo, st.Hi = math.Exp(mean-1.96*se), math.Exp(mean+1.96*se)
	st.Min, st.Max = st.Lo, st.Hi
	if !allCI(per) {
		st.N = min(n, 5) // no interval without every run's
	}
	return st
}

func pooledText(s results.Stat) string {
	if !s.HasCI() {
		return fmt.Sprintf("%.3g× (a run without an interval)", s.Median)
	}
	return fmt.Sprintf("%.3g× [%.3g, %.3g] pooled", s.Median, s.Lo, s.Hi)
}
