package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/compare"
	"loopbench/harness/results"
)

const compareUsage = `compare OLD NEW [--threshold 5%] [--alpha 0.05] [--metric throughput,cpu,p99] [--format text|markdown|json] [--allow-env-change] [--unpaired]

Compares two results directories point by point: for every workload, model,
variant and level both have, the old and new medians with their 95%
intervals, the change, and whether it is significant. OLD and NEW from one
A/B run (loopbench ab's DIR/base and DIR/head) are compared pair by pair:
the Wilcoxon signed-rank test on the log ratios of repetitions measured back
to back, its p Holm-adjusted over the rows, and the pairs' center with its
95% interval (6 pairs at least). Other runs are compared by the
Mann-Whitney U test over the repetitions (as benchstat computes it; 4
repetitions a side at least), with a warning: two runs of different times
compare days as much as code. With too few, the row says so and decides
nothing. Runs from different hosts, CPU sets or versions are
refused unless --allow-env-change: such a comparison mostly measures the
machines. When the environments differ, or either run was over remote hosts
(run --server-host), the two runs' machines come first, side by side: each
host's part, CPU, cores, memory, kernel, virtualisation, DMI product,
governor, huge pages, NIC, congestion control and sysctls.

When either run has capacity searches (loopbench capacity, or run's
searches of workloads with a [capacity] section), a second table sets them
side by side: each run's capacity at its objectives with its 95% interval,
per server CPU, and the cost of a million requests where the run recorded
its machine's price (run or capacity --price-per-hour, or
--price-per-hour OLD,NEW here), then new ÷ old of the capacity and of the
cost, each with its interval. Two runs of two hosts compare machines this
way (with --allow-env-change).

Exit status: 0 when nothing got significantly worse by more than the
threshold, 1 when something did (each regression is named), 2 for a usage
error or runs that cannot be compared.`

// runCompare compares two runs and exits 1 on a regression.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", compareUsage, stderr)
	threshold := fs.String("threshold", "5%", "the smallest worsening that counts as a regression, as a `percentage`")
	alpha := fs.Float64("alpha", 0.05, "the significance `level` of the U test")
	metrics := fs.String("metric", "throughput,cpu,p99", "comma-separated `list` of figures to compare: throughput, cpu, p99")
	format := fs.String("format", "text", "output `format`: text, markdown (for a CI job summary) or json")
	allow := fs.Bool("allow-env-change", false, "compare runs measured on different hosts, CPU sets or versions")
	unpaired := fs.Bool("unpaired", false, "compare the two sides of one A/B run as independent samples (the U test), as runs that were not paired")
	prices := fs.String("price-per-hour", "", "what an hour of each run's server machine costs, as `OLD,NEW`, in place of what the runs recorded, for the cost per million requests of their capacities")
	names := []string{"--threshold", "-threshold", "--alpha", "-alpha", "--metric", "-metric", "--format", "-format", "--price-per-hour", "-price-per-hour"}
	if err := parseFlags(fs, reorder(boolsFirst(args, "allow-env-change", "unpaired"), names...)); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("compare takes two results directories, OLD and NEW, for example `loopbench compare results/baseline results/latest`")
	}
	opts, err := compareOptions(*threshold, *alpha, *metrics, *allow)
	if err != nil {
		return err
	}
	opts.Unpaired = *unpaired
	old, err := readRun(fs.Arg(0))
	if err != nil {
		return usagef("compare: %v", err)
	}
	cur, err := readRun(fs.Arg(1))
	if err != nil {
		return usagef("compare: %v", err)
	}
	if err := setPrices(*prices, old, cur); err != nil {
		return err
	}
	res, err := compare.Compare(analysis.Analyze(old), analysis.Analyze(cur), opts)
	if errors.Is(err, compare.ErrEnvChanged) {
		return usagef("compare: %v", err)
	}
	res.Capacity = compare.CapacityOf(old, cur)
	fmt.Fprint(stderr, compare.DaysApart(old, cur, res))
	if err := compare.WriteMachines(stdout, res, compare.MachinesOf(old, cur), *format); err != nil {
		return usagef("compare: --format: %v", err)
	}
	return regressions("compare: %d regressions", res)
}

// regressions is the error that names each regression of res, after what
// (a format taking their number), or nil without any: what makes compare
// and ab exit 1.
func regressions(what string, res *compare.Result) error {
	regs := res.Regressions()
	if len(regs) == 0 {
		return nil
	}
	var named []string
	for _, r := range regs {
		named = append(named, fmt.Sprintf("%s %s %s %s %+.1f%%", r.Key.Workload, r.Key.Series(), r.Metric.Name, levelName(r), 100*r.Change))
	}
	return fmt.Errorf(what+": %s", len(regs), strings.Join(named, "; "))
}

// boolsFirst moves the named boolean flags before the positional
// arguments, so `compare OLD NEW --allow-env-change` parses as written.
func boolsFirst(args []string, names ...string) []string {
	var flags, rest []string
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && slices.Contains(names, name) {
			flags = append(flags, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}

func levelName(r compare.Row) string {
	if r.Key.Rate > 0 {
		return fmt.Sprintf("at %g/s", r.Key.Rate)
	}
	return fmt.Sprintf("at c=%d", r.Key.Connections)
}

// compareOptions checks the flags.
func compareOptions(threshold string, alpha float64, metrics string, allow bool) (compare.Options, error) {
	o := compare.Options{Alpha: alpha, AllowEnvChange: allow}
	t, err := strconv.ParseFloat(strings.TrimSuffix(threshold, "%"), 64)
	if err != nil || t < 0 {
		return o, usagef("compare: --threshold %q is not a percentage; write e.g. 5%%", threshold)
	}
	o.Threshold = t / 100
	if alpha <= 0 || alpha >= 1 {
		return o, usagef("compare: --alpha %g is not a significance level; use a value between 0 and 1 such as 0.05", alpha)
	}
	for _, name := range strings.Split(metrics, ",") {
		m, err := compare.LookupMetric(strings.TrimSpace(name))
		if err != nil {
			return o, usagef("compare: --metric: %v", err)
		}
		o.Metrics = append(o.Metrics, m)
	}
	return o, nil
}

// setPrices gives the two runs the prices per hour of --price-per-hour
// ("OLD,NEW"), in place of what they recorded.
func setPrices(flag string, old, cur *results.Run) error {
	if flag == "" {
		return nil
	}
	a, b, ok := strings.Cut(flag, ",")
	pa, erra := strconv.ParseFloat(strings.TrimSpace(a), 64)
	pb, errb := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || erra != nil || errb != nil || pa < 0 || pb < 0 {
		return usagef("compare: --price-per-hour %q is not two prices; write OLD,NEW, e.g. 0.10,0.34", flag)
	}
	old.Env.PricePerHour, cur.Env.PricePerHour = pa, pb
	for _, run := range []*results.Run{old, cur} {
		for i := range run.Env.Hosts {
			run.Env.Hosts[i].PricePerHour = 0 // the run's price, given here, stands
		}
	}
	return nil
}
