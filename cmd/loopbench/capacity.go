package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"loopbench/harness/capacity"
	"loopbench/harness/figures"
	"loopbench/harness/results"
	"loopbench/harness/runner"
	"loopbench/harness/workload"
)

const capacityUsage = `capacity --workload NAME|FILE [--slo p99=5ms[,p50=1ms]] [--models a,b] [--budget 15m] [--out DIR]

Finds, for each model, the highest offered rate at which the server holds
its rate (an open loop that kept its schedule through the window, the
point otherwise valid) and meets every latency objective: a search that
brackets the capacity (doubling or halving from its start), bisects in log
rate, probes the bracket's failing end again when one probe alone failed
there, then repeats probes around the boundary (an up-and-down staircase).
The answer is the rate at which the server passes half the time, from a
logistic fit of every probe's outcome (with a lapse rate for a busy host's
stalls), with a 95% profile-likelihood interval. Each probe is one point on a fresh server, measured as every
point of a run. The objectives are --slo's, else the workload's [capacity]
slo; the probes' connections, window and warm-up the workload's [capacity]
section's unless given. A search starts at --start, else at the workload's
highest open-loop rate, else at its [capacity] start, else at 1000 req/s.

The searches run one model after another, each bounded by --max-probes and
by an equal share of --budget; progress and an ETA go to stderr, a table of
capacities with their intervals to stdout (per server CPU, and the cost of
a million requests with --price-per-hour). The run is written to
OUT/<UTC time>-<host>/run.json, its probes included, for report, plot and
compare.`

// capacityOptions are capacity's own flags; the rest are run's.
type capacityOptions struct {
	run                 runOptions
	slo                 string
	maxProbes, confirm  int
	connections         int
	budget              time.Duration
	duration, warmup    time.Duration
	start, minRate      float64
	maxRate, resolution float64
	curve               string
	price               float64
}

func capacityFlags(stderr io.Writer) (*flag.FlagSet, *capacityOptions) {
	o := &capacityOptions{}
	fs := newFlagSet("capacity", capacityUsage, stderr)
	fs.Var(listFlag{&o.run.workloads}, "workload", "workload `NAME` (in --workloads) or FILE to search; repeat for several")
	fs.StringVar(&o.slo, "slo", "", "latency `objectives`, comma-separated, e.g. p99=5ms or p50=1ms,p99.9=20ms (default: the workload's [capacity] slo)")
	fs.StringVar(&o.run.models, "models", "", "comma-separated `list` of models (default: every model available here)")
	fs.DurationVar(&o.budget, "budget", 15*time.Minute, "the `time` every search together may take; each gets an equal share of what is left")
	fs.IntVar(&o.maxProbes, "max-probes", capacity.DefaultMaxProbes, "the most `probes` of each search")
	fs.Float64Var(&o.resolution, "resolution", capacity.DefaultResolution, "the bracket's relative `width` at which bisection stops")
	fs.IntVar(&o.confirm, "confirm", capacity.DefaultConfirm, "`probes` of the staircase around the boundary after bisection")
	fs.DurationVar(&o.duration, "duration", 2*time.Second, "each probe's measured `time`")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "each probe's warm-up `time`")
	fs.IntVar(&o.connections, "connections", 0, "`connections` the open loop sends on (default: the workload's [capacity] connections, else 64)")
	fs.Float64Var(&o.start, "start", 0, "the first `rate` probed, req/s (default: see above)")
	fs.Float64Var(&o.minRate, "min-rate", 0, "the lowest `rate` probed (default: the start ÷ 1024)")
	fs.Float64Var(&o.maxRate, "max-rate", 0, "the highest `rate` probed (default: none)")
	fs.StringVar(&o.curve, "curve", "", "comma-separated `multiples` of each capacity found, probed after its search to draw latency against throughput past it, e.g. 0.5,1.3")
	fs.Float64Var(&o.price, "price-per-hour", 0, "`price` of an hour of the server's machine, recorded in the run: capacities get a cost per million requests")
	fs.StringVar(&o.run.out, "out", "results", "results `directory`")
	fs.StringVar(&o.run.dir, "workloads", "workloads", "`directory` of the workload files")
	fs.StringVar(&o.run.serverCPUs, "server-cpus", "", "CPU `list` for the servers (default: the upper half of the CPUs)")
	fs.StringVar(&o.run.clientCPUs, "client-cpus", "", "CPU `list` for the load generator (default: the lower half of the CPUs)")
	fs.BoolVar(&o.run.dryRun, "dry-run", false, "print the searches and their longest time, and stop")
	o.run.remote.define(fs)
	return fs, o
}

// runCapacity searches the capacity of every chosen model on a workload.
func runCapacity(args []string, stdout, stderr io.Writer) error {
	fs, o := capacityFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("capacity: unexpected argument %q; name workloads with --workload", fs.Arg(0))
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	cfg.Log = stderr
	cfg.Capacity.Progress = func(p runner.CapacityProgress) { fmt.Fprintln(stderr, capacityLine(p)) }
	r, err := runner.New(cfg)
	if err != nil {
		return usagef("capacity: %v", err)
	}
	if err := planCapacity(stderr, r, o.budget); err != nil || o.run.dryRun {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	run, dir, err := r.Run(ctx)
	if run != nil {
		printCapacity(stdout, run)
		fmt.Fprintf(stdout, "\nresults: %s\n", dir)
		if run.Interrupted && err == nil {
			err = fmt.Errorf("capacity: interrupted; %d finished searches kept in %s", len(run.Capacity), dir)
		}
	}
	return err
}

// config checks the flags and turns them into the runner's configuration.
func (o *capacityOptions) config() (runner.Config, error) {
	if len(o.run.workloads) == 0 {
		return runner.Config{}, usagef("capacity: name a workload with --workload, e.g. --workload plaintext")
	}
	cc := &runner.CapacityConfig{Only: true, Full: true, Budget: o.budget, Duration: o.duration, Warmup: &o.warmup, Connections: o.connections,
		Search: capacity.Search{Start: o.start, Min: o.minRate, Max: o.maxRate, Resolution: o.resolution, Confirm: o.confirm, MaxProbes: o.maxProbes}}
	if err := o.check(cc); err != nil {
		return runner.Config{}, err
	}
	cfg, err := o.run.config()
	if err != nil {
		return cfg, err
	}
	for _, m := range cfg.Models {
		if i := slices.IndexFunc(m.Variants, func(v string) bool { return v != workload.DefaultVariant }); i >= 0 {
			return cfg, usagef("capacity: --models %s/%s: a search measures each model in its default variant; name the model alone", m.Name, m.Variants[i])
		}
	}
	cfg.Capacity, cfg.PricePerHour = cc, o.price
	for _, w := range cfg.Workloads {
		if err := searchableWorkload(w, cc); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// check checks the numbers and reads the objectives and the curve.
func (o *capacityOptions) check(cc *runner.CapacityConfig) error {
	switch {
	case o.budget <= 0:
		return usagef("capacity: --budget must be positive, e.g. 10m")
	case o.maxProbes < 2:
		return usagef("capacity: --max-probes must be at least 2 (a pass and a fail), got %d", o.maxProbes)
	case !(o.resolution > 0 && o.resolution <= 1):
		return usagef("capacity: --resolution must be in (0, 1], e.g. 0.05, got %g", o.resolution)
	case o.confirm < 0 || o.connections < 0:
		return usagef("capacity: --confirm and --connections must not be negative")
	case o.duration <= 0 || o.warmup < 0:
		return usagef("capacity: --duration must be positive and --warmup not negative")
	case o.start < 0 || o.minRate < 0 || o.maxRate < 0 || (o.maxRate > 0 && o.maxRate < o.minRate):
		return usagef("capacity: --start, --min-rate and --max-rate must not be negative, and --max-rate must be at least --min-rate")
	case o.price < 0:
		return usagef("capacity: --price-per-hour must not be negative")
	}
	if o.slo != "" {
		objs, err := capacity.ParseObjectives(o.slo)
		if err != nil {
			return usagef("capacity: --slo: %v", err)
		}
		cc.Objectives = objs
	}
	curve, err := parseCurve(o.curve)
	if err != nil {
		return err
	}
	cc.Curve, cc.NoCurve = curve, len(curve) == 0
	return nil
}

// parseCurve reads --curve's multiples.
func parseCurve(s string) ([]float64, error) {
	var out []float64
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		m, err := strconv.ParseFloat(part, 64)
		if err != nil || !(m > 0 && m <= 10) {
			return nil, usagef("capacity: --curve: %q is not a multiple of the capacity in (0, 10]; write e.g. 0.5,1.3", part)
		}
		out = append(out, m)
	}
	return out, nil
}

// searchableWorkload says why w cannot be searched, if it cannot.
func searchableWorkload(w *workload.Workload, cc *runner.CapacityConfig) error {
	switch {
	case w.Mode != workload.ModeClosed && w.Mode != workload.ModeOpen:
		return usagef("capacity: workload %s (%s) has mode %q: only closed and open workloads are searched, as an open loop", w.Name, w.File, w.Mode)
	case len(cc.Objectives) == 0 && w.Capacity == nil:
		return usagef("capacity: workload %s (%s) declares no objectives: give --slo, e.g. --slo p99=5ms, or add a [capacity] section with slo = [\"p99=5ms\"]", w.Name, w.File)
	}
	return nil
}

// planCapacity says what the searches will do and how long they may take.
func planCapacity(w io.Writer, r *runner.Runner, budget time.Duration) error {
	n := r.CapacitySearches()
	if n == 0 {
		return errors.New("capacity: nothing to search: no available model serves the chosen workloads (see `loopbench models`)")
	}
	fmt.Fprintln(w, r.Placement())
	fmt.Fprintf(w, "plan: %s\n", capacityEstimate(r, budget))
	return nil
}

// capacityEstimate is the searches' count and longest time, in words.
func capacityEstimate(r *runner.Runner, budget time.Duration) string {
	var most time.Duration
	for _, t := range r.CapacityTimes() {
		most += t
	}
	n, what := r.CapacitySearches(), "capacity searches"
	if n == 1 {
		what = "capacity search"
	}
	s := fmt.Sprintf("%d %s, each probe an open loop on a fresh server; at most %v", n, what, most.Round(time.Second))
	if budget > 0 && budget < most {
		s += fmt.Sprintf(", cut to the budget of %v", budget)
	}
	return s
}

// capacityLine is a probe's progress line.
func capacityLine(p runner.CapacityProgress) string {
	pr := p.Last
	outcome := "pass"
	if !pr.Pass() {
		outcome = "FAIL: " + pr.Reason
	}
	if pr.ClientBound {
		outcome += " [client-bound]"
	}
	lat := make([]string, 0, len(pr.Latency))
	for _, pct := range slices.Sorted(maps.Keys(pr.Latency)) {
		lat = append(lat, fmt.Sprintf("p%g %.2f ms", pct, float64(pr.Latency[pct])/1e6))
	}
	return fmt.Sprintf("[capacity %d/%d] %s %s: probe %d of about %d (%s) at %s req/s: %s req/s achieved, %s: %s; about %v left in this search, %v in all",
		p.Search, p.Searches, p.Workload, p.Model, p.Done, p.Total, p.Phase, figures.Num(pr.Rate), figures.Num(pr.Achieved),
		strings.Join(lat, ", "), outcome, p.ETA.Round(time.Second), p.Left.Round(time.Second))
}

// printCapacity writes the run's capacities as a table per workload and
// objectives.
func printCapacity(w io.Writer, run *results.Run) {
	rows := capacity.Rows(run)
	var tw *tabwriter.Writer
	for i, r := range rows {
		if i == 0 || rows[i-1].Workload != r.Workload || rows[i-1].Objectives != r.Objectives {
			if tw != nil {
				tw.Flush()
			}
			fmt.Fprintf(w, "\ncapacity of %s at %s (req/s, 95%% interval)\n", r.Workload, r.Objectives)
			tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "model\tcapacity\tper server CPU\tcost per million requests\tenergy\tprobes\tnote")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Series, r.Value, r.PerCPU, cost(r), r.Energy, r.Probes, r.Note)
	}
	if tw != nil {
		tw.Flush()
	}
}

// cost is a row's cost per million requests, or "" without a price.
func cost(r capacity.Row) string {
	if r.Price <= 0 || r.Cost.Value == 0 {
		return "no price given"
	}
	return r.Cost.String()
}
