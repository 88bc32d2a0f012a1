package workload

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"loopbench/harness/results"
)

// Level is one load level of a workload's sweep.
type Level struct {
	Connections     int     // closed: concurrent connections; others: the connections requests go on
	Pipeline        int     // closed: requests in flight per connection (1: none)
	Rate            float64 // open (and an open-loop idle probe): requests per second
	IdleConnections int     // idle: connections held open without requests
	// CPUs is how many CPUs the server is given, in a workload that sweeps
	// them (server.cpu_counts); 0: the run's server CPUs.
	CPUs int
}

// String is the level as the terminal shows it.
func (l Level) String() string {
	s := "c=" + strconv.Itoa(l.Connections)
	if l.Pipeline > 1 {
		s += " p=" + strconv.Itoa(l.Pipeline)
	}
	if l.Rate > 0 {
		s = strconv.FormatFloat(l.Rate, 'f', -1, 64) + "/s " + s
	}
	if l.IdleConnections > 0 {
		s = "idle=" + strconv.Itoa(l.IdleConnections) + " " + s
	}
	if l.CPUs > 0 {
		s += " cpus=" + strconv.Itoa(l.CPUs)
	}
	return s
}

// LevelOf is the level a results key measured.
func LevelOf(k results.Key) Level {
	return Level{Connections: k.Connections, Pipeline: k.Pipeline, Rate: k.Rate, IdleConnections: k.IdleConnections, CPUs: k.CPUs}
}

// Levels returns the levels of the sweep, in order: the load levels, or,
// in a workload that sweeps the server's CPU counts, its one load level at
// each count.
func (w *Workload) Levels() []Level {
	loads := w.loadLevels()
	if len(w.Server.CPUCounts) == 0 {
		return loads
	}
	var levels []Level
	for _, k := range w.Server.CPUCounts {
		for _, l := range loads {
			l.CPUs = k
			levels = append(levels, l)
		}
	}
	return levels
}

// loadLevels returns the load levels of the sweep, in order.
func (w *Workload) loadLevels() []Level {
	switch w.Mode {
	case ModeClosed:
		levels := make([]Level, len(w.Closed.Connections))
		for i, c := range w.Closed.Connections {
			levels[i] = Level{Connections: c, Pipeline: max(1, w.Closed.Pipeline)}
		}
		return levels
	case ModeOpen:
		rates := slices.Sorted(slices.Values(slices.Concat(w.rates(), w.Open.ShapeRates)))
		levels := make([]Level, len(rates))
		for i, r := range rates {
			levels[i] = Level{Connections: w.Open.Connections, Pipeline: 1, Rate: r}
		}
		return levels
	case ModeReplay:
		return []Level{{Connections: w.Replay.Connections, Pipeline: 1}}
	case ModeIdle:
		levels := make([]Level, len(w.Idle.Connections))
		for i, n := range w.Idle.Connections {
			levels[i] = Level{Connections: w.Idle.ProbeConnections, Pipeline: 1, Rate: w.Idle.ProbeRate, IdleConnections: n}
		}
		return levels
	case ModeBurst:
		levels := make([]Level, len(w.Burst.Connections))
		for i, c := range w.Burst.Connections {
			levels[i] = Level{Connections: c, Pipeline: 1}
		}
		return levels
	}
	return nil
}

// RepetitionsAt is how many times level l is measured: the workload's
// repetitions, or open.shape_repetitions at a shape rate.
func (w *Workload) RepetitionsAt(l Level) int {
	if w.Mode == ModeOpen && slices.Contains(w.Open.ShapeRates, l.Rate) {
		return max(1, w.Open.ShapeRepetitions)
	}
	return w.Repetitions
}

// rates returns the listed rates, or the sweep's evenly spaced ones.
func (w *Workload) rates() []float64 {
	if len(w.Open.Rates) > 0 || w.Open.Sweep == nil {
		return w.Open.Rates
	}
	s := w.Open.Sweep
	if s.Steps == 1 {
		return []float64{s.From}
	}
	rates := make([]float64, s.Steps)
	for i := range rates {
		rates[i] = s.From + (s.To-s.From)*float64(i)/float64(s.Steps-1)
	}
	return rates
}

// Quick returns a copy of w with its [quick] overrides applied, for
// `run --quick`. A workload without [quick] is returned unchanged.
func (w *Workload) Quick() *Workload {
	q := *w
	o := w.QuickSettings
	if o == nil {
		return &q
	}
	if o.Duration.Duration > 0 {
		q.Duration = o.Duration
	}
	if o.Warmup.Duration > 0 {
		q.Warmup = o.Warmup
	}
	if o.Repetitions > 0 {
		q.Repetitions = o.Repetitions
	}
	if len(o.Connections) > 0 {
		q.Closed.Connections = o.Connections
		q.Burst.Connections = o.Connections
	}
	if len(o.Rates) > 0 {
		q.Open.Rates, q.Open.Sweep = o.Rates, nil
	}
	q.Open.ShapeRates = nil // a smoke test draws no curves
	if o.IdleConnections > 0 {
		q.Idle.Connections = Counts{o.IdleConnections}
	}
	return &q
}

// Run is one (model, variant) pair a workload applies to.
type Run struct {
	Model   string
	Variant Variant
}

// Runs returns the (model, variant) pairs of the workload among the given
// models (in that order): each model's default variant, then every variant
// that lists it.
func (w *Workload) Runs(models []string) []Run {
	var runs []Run
	for _, m := range models {
		if w.Models != nil && !slices.Contains(w.Models, m) {
			continue
		}
		runs = append(runs, Run{Model: m, Variant: Variant{Name: DefaultVariant}})
		for _, v := range w.Variants {
			if len(v.Models) == 0 || slices.Contains(v.Models, m) {
				runs = append(runs, Run{Model: m, Variant: v})
			}
		}
	}
	return runs
}

// PointTime is the time one point takes: warm-up plus measured duration,
// plus, for an idle level, the time to open its idle connections and 40%
// more to close them and stop the server (measured with 10,000 connections
// on the 2-core reference host).
func (w *Workload) PointTime(l Level) time.Duration {
	if w.Mode == ModeBurst {
		return w.Timeout.Duration / 2 // a burst ends when answered, its timeout at the latest
	}
	t := w.Warmup.Duration + w.Duration.Duration
	if l.IdleConnections > 0 {
		t += time.Duration(1.4 * float64(l.IdleConnections) / w.connectRate() * float64(time.Second))
	}
	if w.Mode == ModeClosed && l.Connections > 1000 {
		// Opening the connections, and admission: each answered once.
		t += time.Duration(float64(l.Connections)/w.connectRate()*float64(time.Second)) + w.Timeout.Duration/10
	}
	return t
}

// DefaultConnectRate is the connections per second an idle level opens when
// the workload does not say.
const DefaultConnectRate = 2000

func (w *Workload) connectRate() float64 {
	if w.Idle.ConnectRate > 0 {
		return w.Idle.ConnectRate
	}
	if w.Closed.ConnectRate > 0 {
		return w.Closed.ConnectRate
	}
	return DefaultConnectRate
}

// ConnectRate is the rate at which the load generator opens connections.
func (w *Workload) ConnectRate() float64 { return w.connectRate() }

// Summary is a one-line description of the sweep, for the plan.
func (w *Workload) Summary() string {
	levels := len(w.Levels())
	shape := ""
	if n := len(w.Open.ShapeRates); n > 0 && w.Mode == ModeOpen {
		levels -= n
		shape = fmt.Sprintf(" (and %d shape levels × %d)", n, max(1, w.Open.ShapeRepetitions))
	}
	if counts := w.Server.CPUCounts; len(counts) > 0 {
		shape += fmt.Sprintf(" (server CPU counts %s at %s)", strings.Join(itoas(counts), ", "), w.loadLevels()[0])
	}
	return fmt.Sprintf("%s, %d levels × %d reps%s, %v + %v warm-up", w.Mode, levels, w.Repetitions, shape, w.Duration.Duration, w.Warmup.Duration)
}

func itoas(ns []int) []string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return s
}
