package capacity

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"loopbench/harness/results"
)

// Judge turns a measured point into a probe: it held its rate when the
// open loop kept its schedule (Point.Schedule.Held, harness/validity) and
// the point was otherwise valid; it met the objectives when the
// percentiles of its latency histogram (every route merged, from each
// request's scheduled time) are within their bounds. A failed point (the
// server died or stopped answering) neither held nor met anything.
func Judge(p *results.Point, objs []Objective) Probe {
	pr := Probe{Rate: p.Rate, Achieved: p.Throughput, ClientBound: p.ClientBound, Point: p,
		Latency: map[float64]time.Duration{}}
	if p.Failed {
		pr.Reason = "the point failed: " + p.FailReason
		return pr
	}
	pr.Held = p.Usable() && (p.Schedule == nil || p.Schedule.Held)
	latency := percentiles(p.Latency)
	for _, o := range objs {
		pr.Latency[o.Percentile] = latency(o.Percentile)
	}
	var why []string
	if !pr.Held {
		why = append(why, strings.Join(p.Validity.Reasons, "; "))
	}
	if p.Requests == 0 {
		why = append(why, "no correct answer")
	} else {
		met, reason := Met(objs, func(pct float64) time.Duration { return pr.Latency[pct] })
		pr.Met = met
		if !met {
			why = append(why, reason)
		}
	}
	pr.Reason = strings.Join(why, "; ")
	return pr
}

// percentiles reads a latency's percentiles from its histogram, or from
// its summary where it has no histogram and the percentile is one the
// summary keeps (-1 otherwise, which meets no objective).
func percentiles(l results.Latency) func(float64) time.Duration {
	h, err := results.DecodeHistogram(l.Histogram)
	if l.Histogram != "" && err == nil {
		return func(pct float64) time.Duration {
			return time.Duration(h.ValueAtQuantile(pct)) * time.Microsecond
		}
	}
	kept := map[float64]float64{50: l.P50, 90: l.P90, 99: l.P99, 99.9: l.P999}
	return func(pct float64) time.Duration {
		us, ok := kept[pct]
		if !ok || l.Count == 0 {
			return -1
		}
		return time.Duration(us * float64(time.Microsecond))
	}
}

// PointProber is a Prober that measures each probe as a point, the way a
// run measures every point (harness/runner's Probe), and judges it.
type PointProber struct {
	// Measure measures one open-loop point at the offered rate on a fresh
	// server. Its error means the point could not be measured at all.
	Measure    func(ctx context.Context, rate float64) (*results.Point, error)
	Objectives []Objective
}

// Probe measures and judges one probe.
func (pp PointProber) Probe(ctx context.Context, rate float64) (Probe, error) {
	t := time.Now()
	p, err := pp.Measure(ctx, rate)
	if err != nil {
		return Probe{}, err
	}
	if p == nil {
		return Probe{}, fmt.Errorf("no point measured at %.0f req/s", rate)
	}
	pr := Judge(p, pp.Objectives)
	pr.Rate, pr.Took = rate, time.Since(t)
	return pr, nil
}

// Record is a search's answer as a run stores it, with every probe that
// had a point; curve are the probes measured after the search to draw
// the curve past the capacity (phase "curve").
func Record(workload, model, variant string, objs []Objective, res Result, curve []Probe) results.Capacity {
	c := results.Capacity{Workload: workload, Model: model, Variant: variant, Capacity: res.Capacity, Low: res.Low,
		High: res.High, Bound: res.Bound, Limit: res.Limit, Cut: res.Cut, Took: res.Took.Seconds(), Probes: []results.Probe{}}
	for _, o := range objs {
		c.Objectives = append(c.Objectives, o.String())
	}
	for _, pr := range res.Probes {
		c.Probes = append(c.Probes, stored(pr, pr.Phase))
	}
	for _, pr := range curve {
		c.Probes = append(c.Probes, stored(pr, results.PhaseCurve))
	}
	c.Probes = clean(c.Probes)
	c.Invalid = invalid(res.Probes)
	return c
}

// invalid says how many probes failed on their validity alone: they kept
// their schedule and met the objectives, but the point was partial for
// another reason (errors, or the host's kernel counters: on a shared host,
// other processes' retransmits on loopback).
func invalid(ps []Probe) string {
	n, first := 0, ""
	for _, pr := range ps {
		p := pr.Point
		if p == nil || pr.Held || !pr.Met || p.Failed || (p.Schedule != nil && !p.Schedule.Held) {
			continue
		}
		if n++; first == "" && len(p.Validity.Reasons) > 0 {
			first = p.Validity.Reasons[0]
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d probes failed on their validity alone (on schedule and within the objectives), e.g. %s", n, len(ps), first)
}

// stored is a probe as a run keeps it, or one without a point.
func stored(pr Probe, phase string) results.Probe {
	s := results.Probe{Phase: phase, Held: pr.Held, Met: pr.Met, ClientBound: pr.ClientBound, Reason: pr.Reason}
	if pr.Point != nil {
		s.Point = *pr.Point
	} else {
		s.Point = results.Point{Rate: pr.Rate, Throughput: pr.Achieved}
	}
	return s
}

// clean keeps NaN and infinities out of what a run stores, which JSON
// cannot carry: a probe without a point has no figures but its rates.
func clean(ps []results.Probe) []results.Probe {
	for i := range ps {
		if math.IsNaN(ps[i].Point.Throughput) || math.IsInf(ps[i].Point.Throughput, 0) {
			ps[i].Point.Throughput = 0
		}
	}
	return ps
}
