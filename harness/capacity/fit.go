package capacity

import (
	"math"
	"slices"
)

// The logistic fit behind a search's answer.
//
// Every probe is a pass (1) or a fail (0) at x = ln(rate). The model is
//
//	P(pass | x) = (1 − λ) / (1 + exp(s·(x − mid)))
//
// with mid the log rate at which the server passes half the time, the
// capacity, s > 0 the steepness of the step from passing to failing, and
// λ in [0, maxLapse] the lapse rate: the share of probes that fail
// whatever their rate, as a busy host's stalls make them (a psychometric
// function's lapse, Wichmann and Hill 2001). Without it, one stall that
// failed a probe far below the capacity would flatten the step and spread
// the interval over every rate above it; noise only fails probes, so
// lapses only fail. mid is estimated by maximum likelihood and its 95%
// interval by profile likelihood: every mid whose best fit (over s and λ)
// is within χ²₁(0.95)/2 of the overall best. On a quiet host the probes separate perfectly (every
// pass below every fail) and the likelihood would let s grow without bound
// and the interval shrink to nothing; s is therefore capped so that the
// step from 90% to 10% passing is at least one resolution wide, and the
// interval of separated probes comes out about as wide as the gap between
// the highest pass and the lowest fail, widened by the resolution, which is
// all such probes can say.

// chi2_95 is the 95% quantile of the χ² distribution with one degree of
// freedom.
const chi2_95 = 3.841458820694124

// fitted is a fit's midpoint and interval, in log rate. openLow and
// openHigh say the interval ran into the end of the range searched (four
// resolutions beyond the lowest or highest probe): the probes do not
// bound the capacity on that side.
type fitted struct {
	mid, low, high    float64
	openLow, openHigh bool
}

// obs is one probe as the fit sees it.
type obs struct {
	x    float64
	pass bool
}

// fit fits the probes; width is the resolution in log rate.
func fit(probes []Probe, width float64) fitted {
	os := make([]obs, 0, len(probes))
	for _, p := range probes {
		if p.ClientBound && !p.Pass() {
			continue // says nothing of the server
		}
		os = append(os, obs{math.Log(p.Rate), p.Pass()})
	}
	if len(os) == 0 {
		return fitted{mid: math.NaN(), low: math.NaN(), high: math.NaN()}
	}
	xs := make([]float64, len(os))
	for i, o := range os {
		xs[i] = o.x
	}
	lo, hi := slices.Min(xs)-4*width, slices.Max(xs)+4*width
	sMax := 2 * math.Log(9) / width
	sMin := 2 * math.Log(9) / (hi - lo + 8*width)
	const steps = 400
	profile := make([]float64, steps+1)
	best, at := math.Inf(-1), 0
	for i := range profile {
		mid := lo + (hi-lo)*float64(i)/steps
		profile[i] = bestSteepness(os, mid, sMin, sMax)
		if profile[i] > best {
			best, at = profile[i], i
		}
	}
	// Ties (a flat top between separated probes) take the middle of the top.
	top := at
	for top+1 <= steps && profile[top+1] >= best-1e-9 {
		top++
	}
	mid := lo + (hi-lo)*float64(at+top)/2/steps
	in := func(i int) bool { return 2*(best-profile[i]) <= chi2_95 }
	first, last := at, top
	for first > 0 && in(first-1) {
		first--
	}
	for last < steps && in(last+1) {
		last++
	}
	return fitted{mid: mid, low: lo + (hi-lo)*float64(first)/steps, high: lo + (hi-lo)*float64(last)/steps,
		openLow: first == 0, openHigh: last == steps}
}

// maxLapse bounds the lapse rate: a host that fails more than one probe in
// five whatever the rate measures nothing.
const maxLapse = 0.2

// lapses are the lapse rates the fit tries.
var lapses = []float64{0, 0.01, 0.02, 0.05, 0.1, 0.15, maxLapse}

// bestSteepness is the log-likelihood at mid, maximised over the lapse
// rates and, for each, over s in [sMin, sMax].
func bestSteepness(os []obs, mid, sMin, sMax float64) float64 {
	best := math.Inf(-1)
	for _, lapse := range lapses {
		best = max(best, bestSteepnessAt(os, mid, lapse, sMin, sMax))
	}
	return best
}

// bestSteepnessAt is the log-likelihood at mid and lapse, maximised over s
// in [sMin, sMax] by golden-section search: without lapses the
// log-likelihood is concave in s for a fixed mid, and with them it stays
// unimodal in practice, so the search finds its maximum.
func bestSteepnessAt(os []obs, mid, lapse, sMin, sMax float64) float64 {
	const phi = 0.6180339887498949
	a, b := math.Log(sMin), math.Log(sMax)
	ll := func(logS float64) float64 { return logLik(os, mid, lapse, math.Exp(logS)) }
	c, d := b-phi*(b-a), a+phi*(b-a)
	fc, fd := ll(c), ll(d)
	for range 30 {
		if fc >= fd {
			b, d, fd = d, c, fc
			c = b - phi*(b-a)
			fc = ll(c)
		} else {
			a, c, fc = c, d, fd
			d = a + phi*(b-a)
			fd = ll(d)
		}
	}
	return max(fc, fd, ll(a), ll(b))
}

// logLik is the Bernoulli log-likelihood of the observations.
func logLik(os []obs, mid, lapse, s float64) float64 {
	var sum float64
	keep := math.Log1p(-lapse)
	for _, o := range os {
		z := s * (o.x - mid) // P(pass) = (1−λ)/(1+e^z)
		switch {
		case o.pass:
			sum += keep - softplus(z)
		case lapse == 0:
			sum -= softplus(-z)
		default:
			sum += math.Log1p(-math.Exp(keep - softplus(z)))
		}
	}
	return sum
}

// softplus is ln(1 + e^z), computed without overflow.
func softplus(z float64) float64 {
	if z > 30 {
		return z
	}
	return math.Log1p(math.Exp(z))
}
