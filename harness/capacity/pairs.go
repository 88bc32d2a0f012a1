package capacity

import (
	"math"

	"loopbench/harness/results"
)

// Pair is one search of two runs (of two machines, typically) side by
// side: the same workload, model, variant and objectives.
type Pair struct {
	Workload, Series, Objectives string
	// A and B are each run's row; nil where a run has no such search.
	A, B *Row
	// Ratio is B's capacity ÷ A's, CostRatio B's cost per million requests
	// ÷ A's (both prices known), each with its 95% interval; zero where
	// they cannot be formed.
	Ratio, CostRatio Interval
}

// Pairs sets the searches of runs a and b side by side, in a's order, then
// those only b has.
func Pairs(a, b *results.Run) []Pair {
	ra, rb := Rows(a), Rows(b)
	var out []Pair
	index := map[[3]string]int{}
	key := func(r Row) [3]string { return [3]string{r.Workload, r.Series, r.Objectives} }
	for i := range ra {
		index[key(ra[i])] = len(out)
		out = append(out, Pair{Workload: ra[i].Workload, Series: ra[i].Series, Objectives: ra[i].Objectives, A: &ra[i]})
	}
	for i := range rb {
		j, ok := index[key(rb[i])]
		if !ok {
			out = append(out, Pair{Workload: rb[i].Workload, Series: rb[i].Series, Objectives: rb[i].Objectives, B: &rb[i]})
			continue
		}
		out[j].B = &rb[i]
	}
	for i := range out {
		out[i].ratios()
	}
	return out
}

// ratios forms the pair's capacity and cost ratios.
func (p *Pair) ratios() {
	if p.A == nil || p.B == nil || p.A.Value.Value <= 0 || p.B.Value.Value <= 0 {
		return
	}
	p.Ratio = ratio(p.B.Value, p.A.Value)
	if p.Ratio.Value > 0 && p.A.Price > 0 && p.B.Price > 0 {
		p.CostRatio = p.Ratio.inverse(p.B.Price / p.A.Price)
	}
}

// ratio is b ÷ a. Two estimates give an estimate whose 95% interval
// combines theirs on the log scale by the method of variance estimates
// recovery (MOVER, Zou and Donner 2008): each side's half-widths, taken
// from its own asymmetric interval, are added in quadrature, the lower
// bound from b's lower and a's upper half and the upper from the others.
// A bound on one side gives a bound on the ratio; bounds on both, none.
func ratio(b, a Interval) Interval {
	r := Interval{Value: b.Value / a.Value}
	switch dir := a.Bound + "/" + b.Bound; dir {
	case "/":
		lb, la := math.Log(b.Value), math.Log(a.Value)
		down := math.Hypot(lb-math.Log(b.Low), math.Log(a.High)-la)
		up := math.Hypot(math.Log(b.High)-lb, la-math.Log(a.Low))
		r.Low, r.High = r.Value*math.Exp(-down), r.Value*math.Exp(up)
	case AtLeast + "/", "/" + Below, AtLeast + "/" + Below:
		r.Bound = map[string]string{AtLeast + "/": "≤", "/" + Below: Below, AtLeast + "/" + Below: Below}[dir]
	case Below + "/", "/" + AtLeast, Below + "/" + AtLeast:
		r.Bound = map[string]string{Below + "/": ">", "/" + AtLeast: AtLeast, Below + "/" + AtLeast: ">"}[dir]
	default: // bounds on both sides in the same direction say nothing
		return Interval{}
	}
	if r.Bound != "" {
		r.Low, r.High = r.Value, r.Value
	}
	return r
}
