package workload

import (
	"fmt"
	"slices"
	"time"

	"loopbench/harness/capacity"
)

// Capacity is a workload's [capacity] section: the latency objectives its
// routes should meet, and how `loopbench run` searches, for every model,
// the highest open-loop rate that holds and meets them (a short search
// whose probes also draw latency against throughput; `loopbench capacity`
// runs the full one). A workload without the section has no search.
type Capacity struct {
	// SLO are the default objectives, e.g. ["p99=5ms"]; every one must be
	// met (capacity.ParseObjective reads them).
	SLO []string `toml:"slo"`
	// Target, if set, is the one route the probes send in place of the
	// workload's mix: a search of a wait workload probes a short wait
	// (/upstream?ms=10), whose capacity the server's work bounds, where
	// the workload's own long waits would be bounded by the connections
	// held (rate × wait).
	Target string `toml:"target"`
	// Connections is the pool the open loop's requests are sent on.
	Connections int `toml:"connections"`
	// Duration and Warmup are each probe's window and warm-up.
	Duration Duration `toml:"duration"`
	Warmup   Duration `toml:"warmup"`
	// Probes bounds the search in `run`; Resolution is the bracket's
	// relative width at which bisection stops; Confirm the probes of the
	// staircase after it (capacity.Search).
	Probes     int     `toml:"probes"`
	Resolution float64 `toml:"resolution"`
	Confirm    int     `toml:"confirm"`
	// Curve are rates, as multiples of the capacity found, probed after
	// the search (in `run`) to draw the curve past the capacity; the
	// answer does not read them.
	Curve []float64 `toml:"curve"`
	// Start is the first rate, when neither the workload's own rates nor
	// the run's closed-loop throughput give one.
	Start float64 `toml:"start"`

	// Objectives are SLO, parsed.
	Objectives []capacity.Objective `toml:"-"`
}

// The defaults of a [capacity] section, for `run`'s short search: a few
// one-second probes, enough to bracket the capacity within 10% and draw
// its curve.
const (
	DefaultCapacityConnections = 64
	DefaultCapacityDuration    = time.Second
	DefaultCapacityWarmup      = 250 * time.Millisecond
	DefaultCapacityProbes      = 6
	DefaultCapacityResolution  = 0.1
	DefaultCapacityConfirm     = 1
	DefaultCapacityStart       = 1000
)

// checkCapacity validates the [capacity] section and fills its defaults.
func (w *Workload) checkCapacity() error {
	c := w.Capacity
	if c == nil {
		return nil
	}
	if w.Mode != ModeClosed && w.Mode != ModeOpen {
		return w.errorf("capacity", fmt.Sprintf("a %s workload has no capacity search", w.Mode), `remove [capacity]: only closed and open workloads are searched as an open loop`)
	}
	if len(c.SLO) == 0 {
		return w.errorf("capacity.slo", "missing", `list the latency objectives, e.g. slo = ["p99=5ms"]`)
	}
	c.Objectives = nil
	for _, s := range c.SLO {
		objs, err := capacity.ParseObjectives(s)
		if err != nil {
			return w.errorf("capacity.slo", err.Error(), `write each objective as "pNN=DURATION", e.g. "p99=5ms"`)
		}
		for _, o := range objs {
			if slices.ContainsFunc(c.Objectives, func(p capacity.Objective) bool { return p.Percentile == o.Percentile }) {
				return w.errorf("capacity.slo", fmt.Sprintf("p%g is bounded twice", o.Percentile), "give each percentile one bound")
			}
			c.Objectives = append(c.Objectives, o)
		}
	}
	if c.Target != "" {
		if err := CheckTarget(c.Target); err != nil {
			return w.errorf("capacity.target", err.Error(), `use a route the application serves, e.g. "/upstream?ms=10", or leave it out to probe the workload's mix`)
		}
		if err := w.checkNeeds("capacity.target", c.Target); err != nil {
			return err
		}
	}
	return w.checkCapacitySearch(c)
}

// checkCapacitySearch checks the search's bounds and fills their defaults.
func (w *Workload) checkCapacitySearch(c *Capacity) error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Connections == 0 && w.Mode == ModeOpen {
		c.Connections = w.Open.Connections
	}
	def(&c.Connections, DefaultCapacityConnections)
	def(&c.Probes, DefaultCapacityProbes)
	def(&c.Confirm, DefaultCapacityConfirm)
	if c.Duration.Duration == 0 {
		c.Duration.Duration = DefaultCapacityDuration
	}
	if c.Warmup.Duration == 0 {
		c.Warmup.Duration = DefaultCapacityWarmup
	}
	if c.Resolution == 0 {
		c.Resolution = DefaultCapacityResolution
	}
	switch {
	case c.Connections < 1 || c.Connections > MaxConnections:
		return w.errorf("capacity.connections", fmt.Sprintf("must be 1..%d, got %d", MaxConnections, c.Connections), "set the pool the probes' requests are sent on")
	case c.Duration.Duration < 0 || c.Warmup.Duration < 0:
		return w.errorf("capacity.duration", fmt.Sprintf("duration %v and warm-up %v must not be negative", c.Duration.Duration, c.Warmup.Duration), `set each probe's window, e.g. duration = "1s"`)
	case c.Probes < 2 || c.Probes > 100:
		return w.errorf("capacity.probes", fmt.Sprintf("must be 2..100, got %d", c.Probes), "bound the probes of run's search, e.g. 6")
	case !(c.Resolution > 0 && c.Resolution <= 1):
		return w.errorf("capacity.resolution", fmt.Sprintf("must be in (0, 1], got %g", c.Resolution), "give the bracket's relative width at which bisection stops, e.g. 0.1")
	case c.Confirm < 0:
		return w.errorf("capacity.confirm", fmt.Sprintf("must be >= 0, got %d", c.Confirm), "give the staircase's probes after bisection, e.g. 1")
	case c.Start < 0:
		return w.errorf("capacity.start", fmt.Sprintf("must be >= 0, got %g", c.Start), "give a first rate in requests per second, or leave it out")
	}
	for _, m := range c.Curve {
		if !(m > 0 && m <= 10) {
			return w.errorf("capacity.curve", fmt.Sprintf("%g is not a multiple of the capacity in (0, 10]", m), "list multiples such as [0.25, 1.3]")
		}
	}
	return nil
}

// CapacityStart is where a search of w starts, and why: its own highest
// open-loop rate, else closed (the run's closed-loop throughput of the
// model, 0 when it has none), else [capacity] start, else
// DefaultCapacityStart.
func (w *Workload) CapacityStart(closed float64) (float64, string) {
	if w.Mode == ModeOpen {
		if rates := slices.Concat(w.rates(), w.Open.ShapeRates); len(rates) > 0 {
			return slices.Max(rates), "the workload's highest open-loop rate"
		}
	}
	switch {
	case closed > 0:
		return closed, "the model's closed-loop throughput in this run"
	case w.Capacity != nil && w.Capacity.Start > 0:
		return w.Capacity.Start, "the workload's [capacity] start"
	}
	return DefaultCapacityStart, "a low rate"
}

// ProbeAt is the workload as one probe of its capacity search measures
// it: an open loop at rate on c's connections, one repetition of c's
// window after c's warm-up, with the workload's mix (or c's target),
// timeout and server.
func (w *Workload) ProbeAt(c Capacity, rate float64) (*Workload, Level) {
	p := *w
	p.Mode = ModeOpen
	p.Open = Open{Rates: []float64{rate}, Connections: c.Connections}
	p.Closed, p.QuickSettings = Closed{}, nil
	p.Duration, p.Warmup, p.Repetitions = c.Duration, c.Warmup, 1
	if c.Target != "" {
		p.Mix = []Route{{Target: c.Target, Weight: 1}}
	}
	if len(p.Server.CPUCounts) > 0 {
		// A sweep of the server's CPU counts is searched on the runner's
		// server CPUs alone, as every other workload is.
		p.Server.CPUCounts, p.Server.CPUs = nil, ""
	}
	return &p, Level{Connections: c.Connections, Pipeline: 1, Rate: rate}
}

// DefaultCapacity is the [capacity] section of a workload without one:
// every default, and no objectives (the caller gives them).
func DefaultCapacity(w *Workload) Capacity {
	var c Capacity
	w.checkCapacitySearch(&c) // the defaults pass every check
	return c
}
