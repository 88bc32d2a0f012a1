package runner

import (
	"fmt"
	"time"

	"loopbench/harness/workload"
)

// startOverhead is the time the plan allows for starting, checking and
// stopping one server (measured: 0.1 to 0.4 s on the 2-core reference host,
// node the slowest) and for the load generator's own start and drain.
const startOverhead = 500 * time.Millisecond

// Step is one server's work: a (workload, model, variant) at one level,
// measured Reps times on the same server process.
type Step struct {
	Workload *workload.Workload
	Run      workload.Run
	Level    workload.Level
	Reps     int
}

// Plan is every step of a run, in order, and what it will cost.
type Plan struct {
	Steps    []Step
	Points   int
	Estimate time.Duration
	// Skipped says which models will not run and why.
	Skipped []string
}

// prepare applies --quick, --reps and --duration to a workload.
func (cfg *Config) prepare(w *workload.Workload) *workload.Workload {
	if cfg.Quick {
		w = w.Quick()
	} else {
		c := *w
		w = &c
	}
	if cfg.Reps > 0 {
		w.Repetitions = cfg.Reps
	}
	if cfg.Duration > 0 {
		w.Duration.Duration = cfg.Duration
	}
	return w
}

// NewPlan lays out the run: for each workload, each available model and
// variant it applies to, each level. A level is one server process, started
// fresh, measured Reps times.
func NewPlan(cfg Config) Plan {
	var p Plan
	var available []string
	for _, m := range cfg.Models {
		if m.Unavailable != nil {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s skipped: %v", m.Name, m.Unavailable))
			continue
		}
		available = append(available, m.Name)
	}
	for _, w := range cfg.Workloads {
		w = cfg.prepare(w)
		for _, run := range w.Runs(available) {
			for _, l := range w.Levels() {
				p.Steps = append(p.Steps, Step{Workload: w, Run: run, Level: l, Reps: w.Repetitions})
				p.Points += w.Repetitions
				p.Estimate += startOverhead + time.Duration(w.Repetitions)*w.PointTime(l)
			}
		}
	}
	return p
}

// PointTimes is the planned time of each point, in the order the points
// finish: a step's server start shared among its repetitions.
func (p Plan) PointTimes() []time.Duration {
	var times []time.Duration
	for _, s := range p.Steps {
		t := s.Workload.PointTime(s.Level) + startOverhead/time.Duration(s.Reps)
		for range s.Reps {
			times = append(times, t)
		}
	}
	return times
}

// String is the step as the terminal shows it.
func (s Step) String() string {
	return fmt.Sprintf("%s %s %s %s", s.Workload.Name, s.Run.Model, s.Run.Variant.Name, s.Level)
}
