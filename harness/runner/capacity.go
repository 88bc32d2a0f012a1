package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"loopbench/harness/capacity"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// Capacity searches.
//
// After the plan's steps (or instead of them, CapacityConfig.Only), a run
// searches the capacity of every available model in its default variant
// on every workload that asks for it ([capacity] in the workload file) or,
// with CapacityConfig.Objectives, on every workload of the run: the
// highest offered rate at which an open loop holds its rate and meets the
// latency objectives (harness/capacity). Each probe is a point measured by
// Probe on a fresh server. The searches and their probes are recorded in
// the run's Capacity, written after every search.

// CapacityConfig asks a run for capacity searches; zero fields keep each
// workload's [capacity] settings (or their defaults).
type CapacityConfig struct {
	// Only skips the plan's steps: the run is its searches alone.
	Only bool
	// Objectives, when set, replace every workload's own, and make every
	// closed or open workload of the run searched.
	Objectives []capacity.Objective
	// Search overrides the search's Start, Min, Max, Resolution, Confirm
	// and MaxProbes where set; Full takes the capacity package's defaults
	// (a precise search) for those the workload would otherwise set.
	Search capacity.Search
	Full   bool
	// Duration (when positive), Warmup (when set) and Connections (when
	// positive) override the probes' shape.
	Duration    time.Duration
	Warmup      *time.Duration
	Connections int
	// Curve overrides the workload's curve multiples; NoCurve drops them.
	Curve   []float64
	NoCurve bool
	// Budget bounds the searches together: each gets an equal share of
	// what is left. 0: bounded by their probe counts alone.
	Budget time.Duration
	// Progress is told of every probe.
	Progress func(CapacityProgress)
}

// CapacityProgress is a search's progress after one of its probes.
type CapacityProgress struct {
	capacity.Progress
	// Search is the search's number from 1, of Searches.
	Search, Searches int
	Workload, Model  string
	// Curve is set for a probe past the search, drawn but not fitted.
	Curve bool
	// Left estimates the time left for every search, this one's included.
	Left time.Duration
}

// search is one planned search: a workload and a model in a variant.
type search struct {
	w   *workload.Workload
	run workload.Run
	c   workload.Capacity
}

// searches are the run's planned searches, in the order of its workloads
// and models.
func (r *Runner) searches() []search {
	cc := r.cfg.Capacity
	if cc == nil || (r.cfg.Quick && !cc.Only) || len(r.cfg.Sides) > 0 {
		return nil
	}
	var out []search
	for wi := range r.cfg.Workloads {
		lv, ok := r.plan.levels[[2]int{wi, 0}]
		if !ok || !searchable(lv.w, cc) {
			continue
		}
		c := r.section(lv.w)
		for _, run := range lv.runs {
			if run.Variant.Name == workload.DefaultVariant {
				out = append(out, search{w: lv.w, run: run, c: c})
			}
		}
	}
	return out
}

// searchable reports whether w is searched: an open loop can stand in for
// its load, and it asks for a search or the run gives objectives.
func searchable(w *workload.Workload, cc *CapacityConfig) bool {
	if w.Mode != workload.ModeClosed && w.Mode != workload.ModeOpen {
		return false
	}
	return w.Capacity != nil || len(cc.Objectives) > 0
}

// section is w's [capacity] section (its defaults where it has none) with
// the run's overrides applied.
func (r *Runner) section(w *workload.Workload) workload.Capacity {
	c := workload.DefaultCapacity(w)
	if w.Capacity != nil {
		c = *w.Capacity
	}
	cc := r.cfg.Capacity
	if len(cc.Objectives) > 0 {
		c.Objectives = cc.Objectives
	}
	if cc.Full {
		c.Probes, c.Resolution, c.Confirm = capacity.DefaultMaxProbes, capacity.DefaultResolution, capacity.DefaultConfirm
	}
	set := func(v *int, o int) {
		if o > 0 {
			*v = o
		}
	}
	set(&c.Probes, cc.Search.MaxProbes)
	set(&c.Confirm, cc.Search.Confirm)
	set(&c.Connections, cc.Connections)
	if cc.Search.Resolution > 0 {
		c.Resolution = cc.Search.Resolution
	}
	if cc.Duration > 0 {
		c.Duration.Duration = cc.Duration
	}
	if cc.Warmup != nil {
		c.Warmup.Duration = *cc.Warmup
	}
	if cc.Curve != nil {
		c.Curve = cc.Curve
	}
	if cc.NoCurve {
		c.Curve = nil
	}
	return c
}

// maxWindow bounds a probe's window where a low rate lengthens it.
const maxWindow = 10 * time.Second

// probeShape is c with its window lengthened, at a low rate, to hold the
// requests its highest percentile needs (capacity.MinSamples), up to
// maxWindow: below that, a p99 of one second at 16 req/s would be the
// largest of 16 latencies, and one stall of a busy host would decide it.
func probeShape(c workload.Capacity, rate float64) workload.Capacity {
	need := time.Duration(float64(capacity.MinSamples(c.Objectives)) / rate * float64(time.Second))
	c.Duration.Duration = max(c.Duration.Duration, min(need, maxWindow))
	return c
}

// probeTime is the planned time of one probe of c, its server's start
// and stop included.
func probeTime(c workload.Capacity) time.Duration {
	return c.Warmup.Duration + c.Duration.Duration + startOverhead
}

// CapacityTimes is the planned time of every probe the run's searches may
// measure, their curves included: an upper bound, since a search may end
// before its last probe.
func (r *Runner) CapacityTimes() []time.Duration {
	var out []time.Duration
	for _, s := range r.searches() {
		for range s.c.Probes + len(s.c.Curve) {
			out = append(out, probeTime(s.c))
		}
	}
	return out
}

// CapacitySearches is the number of searches the run will make.
func (r *Runner) CapacitySearches() int { return len(r.searches()) }

// searchCapacity runs every planned search, recording each in the run.
func (r *Runner) searchCapacity(ctx context.Context) {
	ss := r.searches()
	if len(ss) == 0 {
		return
	}
	r.note(fmt.Sprintf("capacity: %d search(es), each of one model in its default variant on one workload, for the highest offered rate at which an open loop held its rate (completed at least %.0f%% of it, with neither latency nor send lag rising through the window, and valid otherwise) and met the latency objectives; each probe a fresh server; the answer from a logistic fit of the probes' outcomes with a 95%% profile-likelihood interval", len(ss), 100*0.95))
	t0 := time.Now()
	for i, s := range ss {
		if ctx.Err() != nil {
			return
		}
		budget := time.Duration(0)
		if b := r.cfg.Capacity.Budget; b > 0 {
			budget = max((b-time.Since(t0))/time.Duration(len(ss)-i), time.Nanosecond)
		}
		rec := r.searchOne(ctx, s, i, ss, budget)
		r.run.Capacity = append(r.run.Capacity, rec)
		if err := r.write(); err != nil {
			fmt.Fprintln(r.cfg.Log, "error: writing results:", err)
		}
	}
}

// searchOne runs search i of ss within budget (0: none), then the probes
// past it that draw the curve.
func (r *Runner) searchOne(ctx context.Context, s search, i int, ss []search, budget time.Duration) results.Capacity {
	start, from := s.w.CapacityStart(r.closedThroughput(s.w.Name, s.run))
	cc := r.cfg.Capacity
	if cc.Search.Start > 0 {
		start, from = cc.Search.Start, "the start rate given"
	}
	pp := capacity.PointProber{Objectives: s.c.Objectives, Measure: func(ctx context.Context, rate float64) (*results.Point, error) {
		w, l := s.w.ProbeAt(probeShape(s.c, rate), rate)
		return r.Probe(ctx, s.run.Model, s.run.Variant, w, l)
	}}
	tell := func(p capacity.Progress, curve bool) {
		if cc.Progress != nil {
			left := p.ETA + time.Duration(len(ss)-i-1)*time.Duration(s.c.Probes+len(s.c.Curve))*probeTime(s.c)
			cc.Progress(CapacityProgress{Progress: p, Search: i + 1, Searches: len(ss), Workload: s.w.Name, Model: s.run.Model, Curve: curve, Left: left})
		}
	}
	minRate := cc.Search.Min
	if minRate == 0 {
		minRate = max(start/1024, float64(capacity.MinSamples(s.c.Objectives))/maxWindow.Seconds())
	}
	search := capacity.Search{Start: start, Min: minRate, Max: cc.Search.Max, Resolution: s.c.Resolution,
		Confirm: s.c.Confirm, MaxProbes: s.c.Probes, Budget: budget, Progress: func(p capacity.Progress) { tell(p, false) }}
	res, err := search.Run(ctx, pp)
	curve := r.curve(ctx, pp, s, res, err, tell)
	rec := capacity.Record(s.w.Name, s.run.Model, s.run.Variant.Name, s.c.Objectives, res, curve)
	rec.Start, rec.StartFrom = start, from
	if err != nil && ctx.Err() == nil {
		rec.Cut = joinNote(rec.Cut, "stopped: "+err.Error())
	}
	return rec
}

// curve probes the rates past (and below) the capacity found that the
// section's curve names, once the search has found a capacity.
func (r *Runner) curve(ctx context.Context, pp capacity.PointProber, s search, res capacity.Result, err error,
	tell func(capacity.Progress, bool)) []capacity.Probe {
	if err != nil || res.Capacity <= 0 {
		return nil
	}
	var out []capacity.Probe
	for j, m := range s.c.Curve {
		if ctx.Err() != nil {
			return out
		}
		pr, err := pp.Probe(ctx, res.Capacity*m)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				fmt.Fprintf(r.cfg.Log, "note: capacity %s %s: the curve's probe at %.0f req/s: %v\n", s.w.Name, s.run.Model, res.Capacity*m, err)
			}
			return out
		}
		pr.Phase = results.PhaseCurve
		out = append(out, pr)
		left := len(s.c.Curve) - j - 1
		tell(capacity.Progress{Phase: results.PhaseCurve, Done: len(res.Probes) + j + 1, Total: len(res.Probes) + len(s.c.Curve),
			Last: pr, ETA: time.Duration(left) * probeTime(s.c)}, true)
	}
	return out
}

// closedThroughput is the run's closed-loop throughput of the model on a
// workload: the highest median over its levels, 0 without a usable point.
// Of a sweep of CPU counts it reads the levels on as many CPUs as the
// search's probes get (the runner's server set, ProbeAt).
func (r *Runner) closedThroughput(name string, run workload.Run) float64 {
	best := 0.0
	for _, g := range results.Groups(r.run.Points) {
		k := g.Key
		if k.Workload != name || k.Model != run.Model || k.Variant != run.Variant.Name || g.Points[0].Mode != workload.ModeClosed ||
			(k.CPUs > 0 && k.CPUs != len(r.server)) {
			continue
		}
		if st := g.Measure(func(p *results.Point) float64 { return p.Throughput }); st.N > 0 {
			best = max(best, st.Median)
		}
	}
	return best
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
