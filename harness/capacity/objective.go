package capacity

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Objective is one latency bound a probe must meet: the Percentile-th
// percentile of its latency (from the intended send time, as the open loop
// measures it) at most Max.
type Objective struct {
	Percentile float64 // in (0, 100), e.g. 99 or 99.9
	Max        time.Duration
}

// String is the objective as ParseObjective reads it: "p99=5ms".
func (o Objective) String() string {
	return "p" + strconv.FormatFloat(o.Percentile, 'f', -1, 64) + "=" + o.Max.String()
}

// ParseObjective reads "pNN=DURATION", such as "p99=5ms" or "p99.9=20ms".
// The error says what is wrong and how to write it.
func ParseObjective(s string) (Objective, error) {
	const form = `write it as pNN=DURATION, e.g. p99=5ms or p99.9=20ms`
	name, bound, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return Objective{}, fmt.Errorf("latency objective %q has no '=': %s", s, form)
	}
	if !strings.HasPrefix(name, "p") {
		return Objective{}, fmt.Errorf("latency objective %q: %q is not a percentile: %s", s, name, form)
	}
	pct, err := strconv.ParseFloat(name[1:], 64)
	if err != nil || !(pct > 0 && pct < 100) {
		return Objective{}, fmt.Errorf("latency objective %q: the percentile %q must be a number between 0 and 100 (exclusive): %s", s, name[1:], form)
	}
	d, err := time.ParseDuration(bound)
	if err != nil || d <= 0 {
		return Objective{}, fmt.Errorf("latency objective %q: the bound %q must be a positive duration such as 5ms: %s", s, bound, form)
	}
	return Objective{Percentile: pct, Max: d}, nil
}

// ParseObjectives reads a comma-separated list of objectives; every one must
// hold for a probe to pass. Two bounds on one percentile are refused.
func ParseObjectives(s string) ([]Objective, error) {
	var objs []Objective
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		o, err := ParseObjective(part)
		if err != nil {
			return nil, err
		}
		for _, prev := range objs {
			if prev.Percentile == o.Percentile {
				return nil, fmt.Errorf("latency objectives %q: p%g is bounded twice; give each percentile one bound", s, o.Percentile)
			}
		}
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		return nil, errors.New("no latency objective: give at least one, e.g. --slo p99=5ms")
	}
	return objs, nil
}

// Met reports whether the latencies (percentile -> latency; negative where
// it could not be read) meet every objective, and if not, the first one
// missed in words.
func Met(objs []Objective, latency func(percentile float64) time.Duration) (bool, string) {
	for _, o := range objs {
		got := latency(o.Percentile)
		if got < 0 {
			return false, fmt.Sprintf("p%g could not be read from the point's latency", o.Percentile)
		}
		if got > o.Max {
			return false, fmt.Sprintf("p%g was %v, over the objective's %v", o.Percentile, got.Round(10*time.Microsecond), o.Max)
		}
	}
	return true, ""
}

// MinSamples is the fewest requests a probe needs for its highest
// percentile bounded by objs to be read from the histogram rather than be
// its largest few values: ten requests above the percentile (1000 for
// p99, 20 for p50).
func MinSamples(objs []Objective) int {
	top := 0.0
	for _, o := range objs {
		top = max(top, o.Percentile)
	}
	return int(math.Ceil(10 / (1 - top/100)))
}
