package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
	"loopbench/harness/runner"
	"loopbench/harness/workload"
	"loopbench/servers"
)

// runLoadFunc is the load function `run` uses; tests may substitute one.
var runLoadFunc runner.LoadFunc = runner.Loadgen

type runOptions struct {
	workloads  []string
	models     string
	quick      bool
	out        string
	dir        string
	serverCPUs string
	clientCPUs string
	reps       int
	replace    int
	duration   time.Duration
	seed       uint64
	dryRun     bool
	// capacity asks for the workloads' capacity searches after the sweep;
	// price is the servers' machine's price per hour (capacity.go).
	capacity bool
	price    float64
	// The remote hosts (remote.go).
	remote remoteOptions
}

// listFlag collects a repeatable flag.
type listFlag struct{ v *[]string }

func (l listFlag) String() string {
	if l.v == nil {
		return ""
	}
	return strings.Join(*l.v, ",")
}

func (l listFlag) Set(s string) error {
	*l.v = append(*l.v, s)
	return nil
}

func runFlags(stderr io.Writer) (*flag.FlagSet, *runOptions) {
	o := &runOptions{}
	fs := newFlagSet("run", "run [--workload NAME|FILE ...] [--models a,b] [--quick] [--out DIR]\n\n"+
		"Starts each model as a child process, drives it through each workload, and writes\n"+
		"OUT/<UTC time>-<host>/run.json and points.csv (OUT/latest points at it).\n"+
		"Progress goes to stderr, the summary tables to stdout.", stderr)
	fs.Var(listFlag{&o.workloads}, "workload", "workload `NAME` (in --workloads) or FILE to run; repeat for several (default: every workload)")
	fs.StringVar(&o.models, "models", "", "comma-separated `list` of models, each MODEL (with every variant the workloads give it) or MODEL/VARIANT (that variant alone; default for the model as it is) (default: every model available here): "+strings.Join(servers.Names(), ","))
	fs.BoolVar(&o.quick, "quick", false, "run the short version of each workload (its [quick] section)")
	fs.StringVar(&o.out, "out", "results", "results `directory`")
	fs.StringVar(&o.dir, "workloads", "workloads", "`directory` of the workload files")
	fs.StringVar(&o.serverCPUs, "server-cpus", "", "CPU `list` for the servers, e.g. 1 or 2-3 (default: the upper half of the CPUs)")
	fs.StringVar(&o.clientCPUs, "client-cpus", "", "CPU `list` for the load generator (default: the lower half of the CPUs)")
	fs.IntVar(&o.reps, "reps", 0, "repetitions of every point (default: each workload's)")
	fs.IntVar(&o.replace, "replace", 2, "`blocks` measured per workload and level, at most, in place of blocks with a partial or failed point, so readings keep their planned pairs; the replaced block stays in the results, marked; 0: none")
	fs.DurationVar(&o.duration, "duration", 0, "measured `time` of every point (default: each workload's)")
	fs.Uint64Var(&o.seed, "seed", 0, "`seed` of the order of models and variants within each block of repetitions; run.json records it (default: drawn from the clock)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan and its estimated time, and stop")
	fs.BoolVar(&o.capacity, "capacity", true, "after the sweep, search the capacity of every model on each workload with a [capacity] section (its short search; not with --quick)")
	fs.Float64Var(&o.price, "price-per-hour", 0, "`price` of an hour of the server's machine, recorded in the run: capacities get a cost per million requests")
	o.remote.define(fs)
	return fs, o
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs, o := runFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q; name workloads with --workload", fs.Arg(0))
	}
	if o.reps < 0 || o.duration < 0 || o.replace < 0 || o.price < 0 {
		return usagef("run: --reps, --replace, --duration and --price-per-hour must not be negative")
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	r, bar, err := newRunner("run", cfg, stderr)
	if err != nil || o.dryRun {
		return err
	}
	run, dir, err := bar.run(ctx, r)
	if run != nil {
		runner.Summary(stdout, analysis.Analyze(run))
		printCapacity(stdout, run)
		fmt.Fprintf(stdout, "\nresults: %s\n", dir)
		if run.Interrupted && err == nil {
			err = fmt.Errorf("run: interrupted; %d finished points kept in %s", len(run.Points), dir)
		}
	}
	return err
}

// config turns the flags into the runner's configuration.
func (o *runOptions) config() (runner.Config, error) {
	cfg := runner.Config{Quick: o.quick, Reps: o.reps, Replace: o.replace, Duration: o.duration, ServerCPUs: o.serverCPUs,
		ClientCPUs: o.clientCPUs, Out: o.out, Load: runLoadFunc, Seed: o.seed, PricePerHour: o.price}
	if o.capacity && !o.quick {
		cfg.Capacity = &runner.CapacityConfig{}
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	bin, err := os.Executable()
	if err != nil {
		return cfg, err
	}
	cfg.Binary = bin
	if cfg.Remote, err = o.remote.config(); err != nil {
		return cfg, err
	}
	if cfg.Models, err = o.selectModels(); err != nil {
		return cfg, err
	}
	cfg.ModelTable = modelTable()
	cfg.Workloads, err = o.loadWorkloads()
	return cfg, err
}

// selectModels returns the chosen models, each with the reason it cannot
// run here, if any.
func (o *runOptions) selectModels() ([]runner.Model, error) {
	names := servers.Names()
	if o.models != "" {
		names = strings.Split(o.models, ",")
	}
	var models []runner.Model
	every := map[string]bool{} // models named without a variant: every variant
	for _, n := range names {
		name, variant, narrowed := strings.Cut(strings.TrimSpace(n), "/")
		e, err := servers.Lookup(name)
		if err != nil {
			return nil, usagef("run: --models: %v", err)
		}
		i := slices.IndexFunc(models, func(m runner.Model) bool { return m.Name == e.Name })
		if i < 0 {
			models = append(models, runner.Model{Name: e.Name, Unavailable: e.Available(), Routes: e.Routes})
			i = len(models) - 1
		}
		if !narrowed {
			every[e.Name] = true
			continue
		}
		declared := []string{workload.DefaultVariant}
		for _, v := range e.Variants {
			declared = append(declared, v.Name)
		}
		if !slices.Contains(declared, variant) {
			return nil, usagef("run: --models: model %s declares no variant %q (it declares: %s); write MODEL/VARIANT, or MODEL for every variant",
				e.Name, variant, strings.Join(declared, ", "))
		}
		models[i].Variants = append(models[i].Variants, variant)
	}
	for i := range models {
		if every[models[i].Name] {
			models[i].Variants = nil
		}
	}
	return models, nil
}

// loadWorkloads loads the chosen workloads, or every one in the directory.
func (o *runOptions) loadWorkloads() ([]*workload.Workload, error) {
	var ws []*workload.Workload
	if len(o.workloads) == 0 {
		all, err := workload.LoadAll(o.dir)
		if err != nil {
			return nil, err
		}
		ws = all
	}
	for _, name := range o.workloads {
		w, err := workload.Find(o.dir, name)
		if err != nil {
			if errors.Is(err, workload.ErrNotFound) {
				return nil, usagef("run: --workload: %v", err)
			}
			return nil, err
		}
		ws = append(ws, w)
	}
	for _, w := range ws {
		if err := w.CheckModels(modelTable()); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// newRunner plans cfg and says on stderr what the run will do, then returns
// its runner with a progress display as its log; cmd names the command in
// errors.
func newRunner(cmd string, cfg runner.Config, stderr io.Writer) (*runner.Runner, *progress, error) {
	plan := runner.NewPlan(cfg)
	if plan.Points == 0 {
		return nil, nil, fmt.Errorf("%s: nothing to run: no available model applies to the chosen workloads (%s)", cmd, strings.Join(plan.Skipped, "; "))
	}
	bar := newProgress(stderr, plan.PointTimes())
	cfg.Log, cfg.OnPoint, cfg.OnExtra = bar, bar.point, bar.extend
	if cfg.Capacity != nil {
		cfg.Capacity.Progress = bar.probe
	}
	r, err := runner.New(cfg)
	if err != nil {
		return nil, nil, usagef("%s: %v", cmd, err)
	}
	printPlan(stderr, r, plan)
	if r.CapacitySearches() > 0 {
		bar.extend(r.CapacityTimes())
		fmt.Fprintf(stderr, "then %s\n", capacityEstimate(r, 0))
	}
	return r, bar, nil
}

// printPlan says what the run will do and how long it should take.
func printPlan(w io.Writer, r *runner.Runner, plan runner.Plan) {
	fmt.Fprintln(w, r.Placement())
	var names []string
	for _, s := range plan.Steps {
		if !slices.Contains(names, s.Workload.Name) {
			names = append(names, s.Workload.Name)
			fmt.Fprintf(w, "  %-12s %s\n", s.Workload.Name, s.Workload.Summary())
			if sets := r.CPUCountSets(s.Workload); sets != "" {
				fmt.Fprintf(w, "  %-12s the server on %s\n", "", sets)
			}
		}
	}
	fmt.Fprintf(w, "plan: %d points, each on a fresh server, in randomized blocks (seed %d), about %v", plan.Points, plan.Seed, plan.Estimate.Round(time.Second))
	if n := r.Replace(); n > 0 {
		fmt.Fprintf(w, ", plus up to %d blocks per level in place of blocks with a partial or failed point", n)
	}
	fmt.Fprintln(w)
}

// progress shows the run on stderr: on a terminal, a bar that advances by
// each finished point's planned time, so its ETA weighs long points (c10k)
// properly; and one line per finished point (only these when stderr is not
// a terminal). It is also the runner's log, so notes do not tear the bar.
type progress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar // nil when stderr is not a terminal
	times   []time.Duration          // planned time of each point
	done    int
	started bool
}

func newProgress(w io.Writer, times []time.Duration) *progress {
	p := &progress{w: w, times: times}
	var total time.Duration
	for _, t := range times {
		total += t
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(total.Milliseconds(), progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("run"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
	}
	return p
}

// Write prints a line above the bar.
func (p *progress) Write(b []byte) (int, error) {
	if p.bar != nil {
		p.bar.Clear()
	}
	n, err := p.w.Write(b)
	if p.bar != nil && p.started {
		p.bar.RenderBlank()
	}
	return n, err
}

// start shows the bar, once the plan is printed.
func (p *progress) start() {
	p.started = true
	if p.bar != nil {
		p.bar.RenderBlank()
	}
}

// point prints a finished point and advances the bar.
func (p *progress) point(pt *results.Point) {
	if p.bar != nil && p.done < len(p.times) {
		p.bar.Add64(p.times[p.done].Milliseconds())
	}
	p.done++
	fmt.Fprintf(p, "[%d/%d] %s\n", p.done, len(p.times), runner.PointLine(pt))
}

// probe prints a capacity probe and advances the bar by its planned time.
func (p *progress) probe(cp runner.CapacityProgress) {
	if p.bar != nil && p.done < len(p.times) {
		p.bar.Add64(p.times[p.done].Milliseconds())
	}
	p.done++
	fmt.Fprintln(p, capacityLine(cp))
}

// extend adds the points of a block measured in place of an incomplete one.
func (p *progress) extend(times []time.Duration) {
	p.times = append(p.times, times...)
	if p.bar != nil {
		var add time.Duration
		for _, t := range times {
			add += t
		}
		p.bar.ChangeMax64(p.bar.GetMax64() + add.Milliseconds())
	}
}

// run runs r with the progress shown.
func (p *progress) run(ctx context.Context, r *runner.Runner) (*results.Run, string, error) {
	p.start()
	defer p.finish()
	return r.Run(ctx)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
