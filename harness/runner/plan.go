package runner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"loopbench/harness/workload"
)

// startOverhead is the time the plan allows for starting, checking and
// stopping one server (measured: 0.1 to 0.4 s on the 2-core reference host,
// node the slowest) and for the load generator's own start and drain.
const startOverhead = 500 * time.Millisecond

// Step is one measured point: a (workload, model, variant) at one level, one
// repetition, on a server process started for it alone.
type Step struct {
	Workload *workload.Workload
	Run      workload.Run
	Level    workload.Level
	// Rep is the repetition's number, from 0.
	Rep int
	// Side is the step's build in an A/B run (nil otherwise).
	Side *Side
	// rank places the step's point in the results: by workload, model and
	// variant (and side), level and repetition, whatever order it was
	// measured in.
	rank [4]int
}

// Plan is every step of a run, in order, and what it will cost.
type Plan struct {
	Steps    []Step
	Points   int
	Estimate time.Duration
	// Seed is the seed of the order within each block (see NewPlan).
	Seed uint64
	// Skipped says which models will not run and why.
	Skipped []string
	// levels holds each (workload, level) by its indices, for the blocks
	// measured in place of incomplete ones (replace.go).
	levels map[[2]int]level
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
		w.Open.ShapeRepetitions = cfg.Reps
	}
	if cfg.Duration > 0 {
		w.Duration.Duration = cfg.Duration
	}
	return w
}

// NewPlan lays out the run as randomized blocks, so that a slow minute of a
// noisy host hits every model alike rather than one model's repetitions: for
// each workload and level, repetition r of every available (model, variant)
// forms one block, in an order drawn from cfg.Seed; then repetition r+1.
// Every step is a fresh server process. The same seed gives the same order.
//
// In an A/B run (cfg.Sides) each block holds every side of every (model,
// variant): the sides of one (model, variant) are measured back to back,
// their order alternating from one repetition to the next (base, head,
// then head, base), so a drift during a block falls on both alike.
func NewPlan(cfg Config) Plan {
	p := Plan{Seed: cfg.Seed}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6c6f6f7062656e63)) // "loopbenc"
	var available []Model
	for _, m := range cfg.Models {
		if m.Unavailable != nil {
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s skipped: %v", m.Name, m.Unavailable))
			continue
		}
		available = append(available, m)
	}
	p.levels = map[[2]int]level{}
	for wi, w := range cfg.Workloads {
		w = cfg.prepare(w)
		runs := chosen(w.Runs(p.serving(available, w)), available)
		for li, l := range w.Levels() {
			lv := level{w: w, runs: runs, l: l, sides: cfg.Sides, wi: wi, li: li}
			p.levels[[2]int{wi, li}] = lv
			for rep := range w.RepetitionsAt(l) {
				p.Steps = append(p.Steps, lv.block(rep, rng)...)
			}
		}
	}
	for _, s := range p.Steps {
		p.Estimate += startOverhead + s.Workload.PointTime(s.Level)
	}
	p.Points = len(p.Steps)
	return p
}

// chosen keeps the runs of the variants each model was narrowed to.
func chosen(runs []workload.Run, models []Model) []workload.Run {
	return slices.DeleteFunc(runs, func(r workload.Run) bool {
		i := slices.IndexFunc(models, func(m Model) bool { return m.Name == r.Model })
		return i >= 0 && models[i].Variants != nil && !slices.Contains(models[i].Variants, r.Variant.Name)
	})
}

// serving returns the names of the models that serve every path w
// requests, noting why each other model is skipped in w.
func (p *Plan) serving(models []Model, w *workload.Workload) []string {
	paths := workloadPaths(w)
	var names []string
	for _, m := range models {
		var lacks []string
		for _, path := range paths {
			if m.Routes != nil && !slices.Contains(m.Routes, path) {
				lacks = append(lacks, path)
			}
		}
		if len(lacks) > 0 {
			if w.Models == nil || slices.Contains(w.Models, m.Name) {
				p.Skipped = append(p.Skipped, fmt.Sprintf("%s skipped in %s: it serves %s, not %s",
					m.Name, w.Name, strings.Join(m.Routes, ", "), strings.Join(lacks, ", ")))
			}
			continue
		}
		names = append(names, m.Name)
	}
	return names
}

// workloadPaths are the distinct paths (targets without their query) of
// w's mix and trace.
func workloadPaths(w *workload.Workload) []string {
	targets, _ := w.TraceRoutes()
	for _, r := range w.Mix {
		targets = append(targets, r.Target)
	}
	var paths []string
	for _, t := range targets {
		path, _, _ := strings.Cut(t, "?")
		if !slices.Contains(paths, path) {
			paths = append(paths, path)
		}
	}
	return paths
}

// level is one workload at one level: what a block of it is made of.
type level struct {
	w      *workload.Workload
	runs   []workload.Run
	l      workload.Level
	sides  []Side
	wi, li int
}

// block is repetition rep of every (model, variant) of the level, in an
// order drawn from rng, each side of a (model, variant) back to back.
func (lv level) block(rep int, rng *rand.Rand) []Step {
	var steps []Step
	for _, i := range rng.Perm(len(lv.runs)) {
		for _, side := range sideOrder(len(lv.sides), rep) {
			st := Step{Workload: lv.w, Run: lv.runs[i], Level: lv.l, Rep: rep, rank: [4]int{lv.wi, i, lv.li, rep}}
			if side >= 0 {
				st.Side = &lv.sides[side]
				st.rank[1] = i*len(lv.sides) + side
			}
			steps = append(steps, st)
		}
	}
	return steps
}

// sideOrder is the order of n sides in repetition rep: forward in even
// repetitions, backward in odd ones; {-1} when the run has no sides.
func sideOrder(n, rep int) []int {
	if n == 0 {
		return []int{-1}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
		if rep%2 == 1 {
			order[i] = n - 1 - i
		}
	}
	return order
}

// PointTimes is the planned time of each point, in the order the points
// finish, its server's start and stop included.
func (p Plan) PointTimes() []time.Duration {
	times := make([]time.Duration, len(p.Steps))
	for i, s := range p.Steps {
		times[i] = s.Workload.PointTime(s.Level) + startOverhead
	}
	return times
}

// String is the step as the terminal shows it.
func (s Step) String() string {
	side := ""
	if s.Side != nil {
		side = " " + s.Side.Name
	}
	return fmt.Sprintf("%s %s %s%s %s rep %d", s.Workload.Name, s.Run.Model, s.Run.Variant.Name, side, s.Level, s.Rep+1)
}
