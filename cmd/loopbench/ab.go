package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"loopbench/harness/ab"
	"loopbench/harness/analysis"
	"loopbench/harness/compare"
	"loopbench/harness/results"
	"loopbench/harness/runner"
	"loopbench/servers"
	"loopbench/servers/model"
)

const abUsage = `ab --base REF [--head REF] [--workload W ...] [--models a,b] [--reps N] [--inject-cpu D] [--calibrate] [flags]

Measures two builds of the servers against each other on this machine, in
the same minutes and on the same pinned CPUs: for every point, one
repetition of the base and one of the head, back to back and alternating
(base, head, then head, base), each a fresh server process; then compares
them pair by pair: for every point and metric, the head/base ratio of each
back-to-back pair, the Wilcoxon signed-rank test on their logarithms (its p
Holm-adjusted over the rows, so that identical builds raise an alarm at
most --alpha of the time however many rows), and the pairs' center with its
95% interval. A row regresses when its p is below --alpha and its center
is worse than --threshold. scripts/calibrate-ab.sh measures, with real
patched builds, what the defaults (--reps, --threshold) catch on a host. REF is a git
revision (built from its last commit in a temporary worktree; binaries are
cached by commit) or the path of a loopbench binary. The load generator,
the backend and the workloads are this binary's, so only the servers
differ.

--inject-cpu D makes every head server spend D of extra CPU on each request
(loopbench serve --inject-cpu): a known slowdown, to check that the
comparison catches one. --calibrate measures the head against itself and
reports, per metric, the noise of the repetitions, the smallest worsening
the comparison would catch 9 times in 10 and the false alarms.

Exit status: 0 when nothing got significantly worse by more than the
threshold, 1 when something did (each regression is named), 2 for a usage
error or builds that cannot be compared.`

// The defaults of ab's repetitions and threshold, meant to catch a 5%
// rise of server CPU per request at least 9 times in 10 and to flag
// identical builds at most once in 20, within 5 minutes, for plaintext on
// one model of the 2-core reference host (scripts/calibrate-ab.sh measures
// what they catch; README). The pairs' own spread sets the count: on that
// host a pair of fresh servers of one build differs by 6 to 8% in CPU per
// request (the log ratios' standard deviation, the same with 1 s windows
// as with 3 s: it is each process's, not the window's), and resampling
// those ratios, a 5% rise passes the signed-rank test (Holm over two
// rows) with its center above 2% in 77% of A/B runs of 24 pairs, 88% of
// 30 and 92% of 36; 40 pairs of 1 s windows take under 3 minutes.
const (
	defaultABReps      = 40
	defaultABThreshold = "2%"
)

type abOptions struct {
	run       runOptions
	base      string
	head      string
	inject    time.Duration
	calibrate bool
	threshold string
	alpha     float64
	metrics   string
	format    string
	summary   string
}

func runAB(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ab", abUsage, stderr)
	o := &abOptions{}
	fs.StringVar(&o.base, "base", "", "the base build: a git `REF` or a loopbench binary (required, but for --calibrate)")
	fs.StringVar(&o.head, "head", "", "the head build: a git `REF` or a loopbench binary (default: this binary)")
	fs.DurationVar(&o.inject, "inject-cpu", 0, "calibration knob: the head's servers spend this much extra CPU `time` on every request (e.g. 3us)")
	fs.BoolVar(&o.calibrate, "calibrate", false, "measure the head against itself: the noise, the smallest detectable worsening per metric, and the false alarms")
	fs.Var(listFlag{&o.run.workloads}, "workload", "workload `NAME` or FILE; repeat for several (default: plaintext)")
	fs.StringVar(&o.run.models, "models", "", "comma-separated `list` of models (default: every Go model available here)")
	fs.BoolVar(&o.run.quick, "quick", true, "run the short version of each workload (--quick=false for the full one)")
	fs.IntVar(&o.run.reps, "reps", defaultABReps, "repetitions of every point and side: the back-to-back pairs of the paired test (6 at least)")
	fs.DurationVar(&o.run.duration, "duration", 0, "measured `time` of every point (default: each workload's)")
	fs.IntVar(&o.run.replace, "replace", 2, "`blocks` measured per level, at most, in place of blocks with a partial or failed point, so the comparison keeps its pairs; 0: none")
	fs.Uint64Var(&o.run.seed, "seed", 0, "`seed` of the order of models within each block (default: drawn from the clock)")
	fs.StringVar(&o.run.out, "out", filepath.Join("results", "ab"), "results `directory` of the A/B runs")
	fs.StringVar(&o.run.dir, "workloads", "workloads", "`directory` of the workload files")
	fs.StringVar(&o.run.serverCPUs, "server-cpus", "", "CPU `list` for the servers (default: the upper half of the CPUs)")
	fs.StringVar(&o.run.clientCPUs, "client-cpus", "", "CPU `list` for the load generator (default: the lower half)")
	fs.StringVar(&o.threshold, "threshold", defaultABThreshold, "the smallest worsening that counts as a regression, as a `percentage`")
	fs.Float64Var(&o.alpha, "alpha", 0.05, "the significance `level` of the paired test, over all rows together")
	fs.StringVar(&o.metrics, "metric", "throughput,cpu,p99", "comma-separated `list` of figures to compare: throughput, cpu, p99")
	fs.StringVar(&o.format, "format", "text", "output `format`: text, markdown (for a CI job summary) or json")
	fs.StringVar(&o.summary, "summary", "", "also write the comparison as markdown to this `file` (e.g. $GITHUB_STEP_SUMMARY; appended to)")
	o.run.remote.define(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.validate(fs); err != nil {
		return err
	}
	copts, err := compareOptions(o.threshold, o.alpha, o.metrics, false)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	wd, _ := os.Getwd()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	res := &ab.Resolver{Repo: wd, Cache: filepath.Join(cache, "loopbench", "ab"), Log: stderr}
	head := ab.Build{Ref: "this binary", Binary: self, About: "this binary " + self}
	if o.head != "" {
		if head, err = res.Resolve(ctx, o.head); err != nil {
			return usagef("ab: --head: %v", err)
		}
	}
	base := head
	if !o.calibrate {
		if base, err = res.Resolve(ctx, o.base); err != nil {
			return usagef("ab: --base: %v", err)
		}
	}

	cfg, err := o.run.config()
	if err != nil {
		return err
	}
	if o.run.models == "" {
		cfg.Models = goModels(cfg.Models)
	}
	headSide := runner.Side{Name: "head", Binary: head.Binary, About: head.About}
	if o.inject > 0 {
		headSide.Flags = []string{"--inject-cpu", o.inject.String()}
	}
	cfg.Sides = []runner.Side{{Name: "base", Binary: base.Binary, About: base.About}, headSide}

	r, bar, err := newRunner("ab", cfg, stderr)
	if err != nil {
		return err
	}
	t0 := time.Now()
	run, dir, err := bar.run(ctx, r)
	if err != nil {
		return err
	}
	if run.Interrupted {
		return fmt.Errorf("ab: interrupted; %d finished points kept in %s", len(run.Points), dir)
	}
	took := time.Since(t0)
	return o.compare(stdout, stderr, run, dir, copts, took)
}

// compare compares the run's sides, writes the comparison beside the run
// and says what it found.
func (o *abOptions) compare(stdout, stderr io.Writer, run *results.Run, dir string, copts compare.Options, took time.Duration) error {
	baseRun, headRun, err := ab.Split(run, "base", "head")
	if err != nil {
		return fmt.Errorf("ab: %s: %v", dir, err)
	}
	// Each side as a run of its own, for `loopbench compare DIR/base
	// DIR/head`, `loopbench plot DIR/head` and the like.
	for _, side := range []struct {
		name string
		run  *results.Run
	}{{"base", baseRun}, {"head", headRun}} {
		if err := results.Write(filepath.Join(dir, side.name), side.run); err != nil {
			return err
		}
	}
	res, err := compare.Compare(analysis.Analyze(baseRun), analysis.Analyze(headRun), copts)
	if err != nil {
		return usagef("ab: %v", err)
	}
	if err := compare.Write(stdout, res, o.format); err != nil {
		return usagef("ab: --format: %v", err)
	}
	for _, f := range []struct{ name, format string }{{"compare.md", "markdown"}, {"compare.json", "json"}} {
		var b strings.Builder
		compare.Write(&b, res, f.format)
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if o.summary != "" {
		if err := appendSummary(o.summary, res, run, took); err != nil {
			return fmt.Errorf("ab: --summary: %w", err)
		}
	}
	// With --format json stdout is the comparison alone; the rest goes to stderr.
	info := stdout
	if o.format == "json" {
		info = stderr
	}
	fmt.Fprintf(info, "\nA/B run: %s (%d points in %v; each side's points in base/ and head/, the comparison in compare.md and compare.json)\n", dir, len(run.Points), took.Round(time.Second))
	if o.calibrate {
		cal := ab.Calibrate(res)
		fmt.Fprintln(info)
		cal.Write(info)
		fmt.Fprintf(info, "  run time: %v for %d points (%d repetitions a side)\n", took.Round(time.Second), len(run.Points), o.run.reps)
		var b strings.Builder
		cal.Write(&b)
		if err := os.WriteFile(filepath.Join(dir, "calibration.txt"), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return regressions("ab: %d regressions of the head against the base", res)
}

// appendSummary appends the markdown comparison to a CI job summary.
func appendSummary(path string, res *compare.Result, run *results.Run, took time.Duration) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "## loopbench ab\n\n%d points on %s (%s, server CPUs %s, client CPUs %s) in %v.\n\n",
		len(run.Points), run.Env.Host, run.Env.CPUModel, run.Env.ServerCPUs, run.Env.ClientCPUs, took.Round(time.Second))
	if err := compare.Write(f, res, "markdown"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// goModels keeps the models --inject-cpu and a rebuilt binary apply to by
// default: those loopbench serves itself, not another program it execs
// (node, the same in both builds).
func goModels(models []runner.Model) []runner.Model {
	var out []runner.Model
	for _, m := range models {
		e, err := servers.Lookup(m.Name)
		if err != nil {
			continue
		}
		if _, other := e.New().(model.Execer); !other {
			out = append(out, m)
		}
	}
	return out
}

func (o *abOptions) validate(fs interface{ NArg() int }) error {
	switch {
	case fs.NArg() > 0:
		return usagef("ab: unexpected argument; name the builds with --base and --head")
	case o.calibrate && o.inject != 0:
		return usagef("ab: --calibrate measures the head against itself; it takes no --inject-cpu")
	case o.calibrate && o.base != "":
		return usagef("ab: --calibrate measures the head against itself; drop --base")
	case !o.calibrate && o.base == "":
		return usagef("ab: --base is required: a git revision (e.g. --base main) or a loopbench binary; or use --calibrate")
	case o.inject < 0:
		return usagef("ab: --inject-cpu must not be negative")
	case o.run.reps < compare.MinPairs:
		return usagef("ab: --reps %d is too few: the paired test needs at least %d pairs", o.run.reps, compare.MinPairs)
	}
	if len(o.run.workloads) == 0 {
		o.run.workloads = []string{"plaintext"}
	}
	return nil
}
