package plot

import (
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
)

// levelTicks puts a labelled tick at every load level of the data (16, 64,
// 256, ...) when there are few, so the x axis names the levels measured.
type levelTicks struct{ values []float64 }

// Ticks implements plot.Ticker.
func (t levelTicks) Ticks(min, max float64) []plot.Tick {
	if len(t.values) == 0 || len(t.values) > 10 {
		return logTicks{format: formatCount}.Ticks(min, max)
	}
	// Levels closer than minLabelShare of the log axis' width would run
	// their labels together in a narrow panel (1000 and 1600 on an axis
	// of four decades): the nearer one to the last level keeps its tick
	// but loses its label, so the highest level is named.
	const minLabelShare = 0.15
	width := math.Log(max / min)
	var ticks []plot.Tick
	for _, v := range t.values {
		if n := len(ticks); n > 0 && math.Log(v/ticks[n-1].Value) < minLabelShare*width {
			ticks[n-1].Label = ""
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: formatCount(v)})
	}
	return ticks
}

// logTicks labels 1, 2 and 5 times the powers of ten in range, or only the
// powers of ten (with unlabelled minor ticks) when the range spans more
// than two decades, each label written by format; a narrow axis (most)
// labels fewer powers, so that 100, 1000 and 10000 do not run together.
type logTicks struct {
	format func(float64) string
	// most, when set, is the most labels a narrow axis takes: fewer
	// multiples, then fewer powers of ten, are labelled until they fit.
	most int
}

// Ticks implements plot.Ticker.
func (t logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	labelled := []float64{1, 2, 5}
	if hi-lo > 2 {
		labelled = []float64{1}
	}
	every := 1.0
	for t.most > 0 && t.count(min, max, labelled, every) > t.most && every < hi-lo {
		if len(labelled) > 1 {
			labelled = []float64{1}
		} else {
			every++
		}
	}
	return t.ticks(min, max, lo, hi, labelled, every)
}

// count is the number of labels ticks would write.
func (t logTicks) count(min, max float64, labelled []float64, every float64) int {
	n := 0
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	for _, tk := range t.ticks(min, max, lo, hi, labelled, every) {
		if tk.Label != "" {
			n++
		}
	}
	return n
}

// ticks marks every multiple of the powers of ten from lo to hi within
// [min, max], labelling the multiples labelled of every every-th power.
func (t logTicks) ticks(min, max, lo, hi float64, labelled []float64, every float64) []plot.Tick {
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		for m := 1.0; m < 10; m++ {
			v := m * math.Pow(10, e)
			if v < min*0.999 || v > max*1.001 {
				continue
			}
			tk := plot.Tick{Value: v}
			if slices.Contains(labelled, m) && math.Mod(e-lo, every) == 0 {
				tk.Label = t.format(v)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

// formatCount writes a count compactly: 512, 4096, 10k, 1.5M; integers
// under 10,000 are written in full, since levels such as 1024 are exact.
func formatCount(v float64) string {
	switch a := math.Abs(v); {
	case a < 1e4 && v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', -1, 64)
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e4:
		return trim(v/1e3) + "k"
	default:
		return trim(v)
	}
}

// trim writes v with at most three significant digits and no trailing zeros.
func trim(v float64) string {
	return strconv.FormatFloat(round3(v), 'f', -1, 64)
}

// round3 rounds v to three significant digits, for labels.
func round3(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// linearTicks labels a linear axis every 1, 2 or 5 times a power of ten,
// chosen for four to eight labels, each written by format.
type linearTicks struct{ format func(float64) string }

// Ticks implements plot.Ticker.
func (t linearTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / 5
	e := math.Pow(10, math.Floor(math.Log10(raw)))
	step := e
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= raw {
			step = m * e
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(min / step); i*step <= max+step*1e-9; i++ {
		ticks = append(ticks, plot.Tick{Value: i * step, Label: t.format(round3(i * step))})
	}
	return ticks
}
