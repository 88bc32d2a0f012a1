// Package compare sets two runs side by side, point by point: for every
// (workload, model, variant, level) both have, the old and new medians with
// their 95% intervals, the change, and whether it is significant by the
// Mann-Whitney U test over the repetitions, as benchstat computes it
// (golang.org/x/perf/benchmath). A change is a regression when it is
// significant, in the worse direction, and larger than the threshold. The
// two sides of one A/B run are compared pair by pair instead, each
// repetition of the head against the base's measured back to back with
// it, by the Wilcoxon signed-rank test on the pairs' log ratios
// (paired.go).
package compare

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"

	"loopbench/harness/analysis"
	"loopbench/harness/machines"
	"loopbench/harness/results"
)

// MinReps is the fewest repetitions a side needs before the U test can
// reach p < 0.05: with 3 against 3 the smallest p it gives is 0.1.
const MinReps = 4

// Metric is one figure the comparison reads, and which way is better.
type Metric = results.Metric

// Metrics are the figures a comparison reads by default.
var Metrics = results.Metrics

// LookupMetric finds a metric by name; the error lists the names.
func LookupMetric(name string) (Metric, error) { return results.LookupMetric(name) }

// Options tune a comparison.
type Options struct {
	// Threshold is the relative change (0.05: 5%) below which a significant
	// worsening is not a regression.
	Threshold float64
	// Alpha is the significance level of the U test.
	Alpha   float64
	Metrics []Metric
	// AllowEnvChange compares runs from different hosts, CPU sets or
	// versions, which otherwise mostly measures the difference of machines.
	AllowEnvChange bool
	// Unpaired compares the two sides of one A/B run as independent
	// samples (the U test), as runs that were not paired are compared.
	Unpaired bool
}

// Row is one point and metric of the comparison.
type Row struct {
	Key      results.Key
	Metric   Metric
	Old, New results.Stat
	// Change is New/Old - 1 of the medians; 0 when a side has no usable
	// repetition.
	Change float64
	// P is the U test's p-value; TooFew is set when a side has fewer than
	// MinReps usable repetitions, and then nothing is decided.
	P      float64
	TooFew bool
	// Significant, Worse and Regression say what the row found.
	Significant, Worse, Regression bool
	// Noise is the repetitions' spread (a robust coefficient of variation)
	// and Detectable the smallest worsening this comparison would flag 9
	// times in 10 (see Detectable); both NaN when TooFew.
	Noise, Detectable float64
	// Test names what decided the row: TestPaired for the two sides of
	// one A/B run (Change, Noise and Detectable are then the pairs', P is
	// Holm-adjusted over the Family of paired rows and PUnadjusted is the
	// row's own; TooFew below MinPairs pairs; paired.go), else TestU.
	Test        string
	PUnadjusted float64
	Family      int
	// Ratio is the row's back-to-back pairs, new/old, when the runs were
	// paired.
	Ratio PairRatio
	// ClientBound counts the repetitions left out because they were
	// client-bound while the metric is then the client's (throughput).
	ClientBound int
}

// Result is a whole comparison.
type Result struct {
	Rows []Row
	// EnvChanges lists how the two runs' environments differ.
	EnvChanges []string
	Options    Options
	// Capacity, when set, is the runs' capacity searches side by side,
	// written after the table (capacity.go).
	Capacity *Capacity
}

// ErrEnvChanged is returned when the runs' environments differ and the
// options do not allow it.
var ErrEnvChanged = errors.New("the runs were measured in different environments")

// Compare compares the analysis of run new against that of run old, their
// configurations in the order old's points first name them.
func Compare(old, new *analysis.Analysis, o Options) (*Result, error) {
	if o.Threshold == 0 {
		o.Threshold = 0.05
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if len(o.Metrics) == 0 {
		o.Metrics = Metrics
	}
	res := &Result{EnvChanges: envChanges(old.Run.Env, new.Run.Env), Options: o}
	if len(res.EnvChanges) > 0 && !o.AllowEnvChange {
		return res, fmt.Errorf("%w: %s; compare runs of one machine (loopbench ab measures both on the same one), or pass --allow-env-change", ErrEnvChanged, joinChanges(res.EnvChanges))
	}
	newGroups := map[results.Key]results.Group{}
	for _, g := range new.Groups {
		newGroups[g.Key] = g
	}
	paired := !o.Unpaired && PairedRuns(old.Run, new.Run)
	decide := compareGroup
	if paired {
		decide = comparePaired
	}
	for _, og := range old.Groups {
		ng, ok := newGroups[og.Key]
		if !ok {
			continue
		}
		for _, m := range o.Metrics {
			res.Rows = append(res.Rows, decide(&og, &ng, m, o))
		}
	}
	if paired {
		decidePaired(res.Rows, o)
	}
	return res, nil
}

func compareGroup(og, ng *results.Group, m Metric, o Options) Row {
	ov, nv := values(og, m), values(ng, m)
	r := Row{Key: og.Key, Metric: m, Old: results.StatOf(ov), New: results.StatOf(nv), Test: TestU, ClientBound: clientBound(og, m) + clientBound(ng, m)}
	if r.Old.Median != 0 && r.Old.N > 0 && r.New.N > 0 {
		r.Change = r.New.Median/r.Old.Median - 1
	}
	if len(ov) < MinReps || len(nv) < MinReps {
		r.TooFew, r.P, r.Noise, r.Detectable = true, math.NaN(), math.NaN(), math.NaN()
		return r
	}
	r.Noise = Noise(ov, nv)
	r.Detectable = Detectable(ov, nv, o.Threshold, o.Alpha, m.HigherBetter)
	t := benchmath.DefaultThresholds
	t.CompareAlpha = o.Alpha
	c := benchmath.AssumeNothing.Compare(benchmath.NewSample(ov, &t), benchmath.NewSample(nv, &t))
	r.P = c.P
	r.Significant = c.P < o.Alpha
	r.Worse = (m.HigherBetter && r.Change < 0) || (!m.HigherBetter && r.Change > 0)
	r.Regression = r.Significant && r.Worse && math.Abs(r.Change) > o.Threshold
	return r
}

// values are a group's usable repetitions of m (a throughput of a
// client-bound point is the client's and is left out).
func values(g *results.Group, m Metric) []float64 {
	var v []float64
	for _, p := range g.Points {
		if !p.Usable() || p.Requests == 0 || (m.ClientLimited && p.ClientBound) {
			continue
		}
		if x := m.Value(p); !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	return v
}

// Regressions are the rows that got significantly worse by more than the
// threshold.
func (r *Result) Regressions() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Regression {
			out = append(out, row)
		}
	}
	return out
}

// TooFew reports whether any row could not be decided for lack of
// repetitions.
func (r *Result) TooFew() bool {
	return slices.ContainsFunc(r.Rows, func(row Row) bool { return row.TooFew })
}

// envChanges lists what differs between two environments that changes the
// figures: the host, its CPU and kernel, the CPU sets, and the versions.
func envChanges(a, b results.Env) []string {
	var out []string
	diff := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %q against %q", what, x, y))
		}
	}
	diff("host", a.Host, b.Host)
	diff("CPU", a.CPUModel, b.CPUModel)
	diff("kernel", a.Kernel, b.Kernel)
	diff("server CPUs", a.ServerCPUs, b.ServerCPUs)
	diff("client CPUs", a.ClientCPUs, b.ClientCPUs)
	diff("Go", a.GoVersion, b.GoVersion)
	diff("node", a.NodeVersion, b.NodeVersion)
	if a.Cores != b.Cores {
		out = append(out, fmt.Sprintf("cores %d against %d", a.Cores, b.Cores))
	}
	// A run over remote hosts describes its servers' machine in Hosts; the
	// fields above are then the coordinator's, which may be the same.
	if len(a.Hosts) > 0 || len(b.Hosts) > 0 {
		sa, sb := machines.Server(a), machines.Server(b)
		diff("server host", machines.HostName(sa), machines.HostName(sb))
		for _, d := range machines.Differences(sa, sb) {
			out = append(out, "the servers' "+d)
		}
	}
	return out
}

func joinChanges(c []string) string { return strings.Join(c, ", ") }
