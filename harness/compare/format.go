package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// Formats are the output formats of Write.
var Formats = []string{"text", "markdown", "json"}

// verdict is a row's finding in words.
func (r Row) verdict() string {
	switch {
	case r.TooFew && r.ClientBound > 0:
		return fmt.Sprintf("- client-bound (%d repetitions): the load generator's limit, not compared", r.ClientBound)
	case r.TooFew && r.Test == TestPaired:
		return fmt.Sprintf("? too few pairs (%d; the paired test needs %d)", r.Ratio.N(), MinPairs)
	case r.TooFew:
		return fmt.Sprintf("? too few repetitions (n=%d and %d; the U test needs %d a side)", r.Old.N, r.New.N, MinReps)
	case r.Regression:
		return "✗ regression"
	case r.Significant && r.Worse:
		return "~ worse, within the threshold"
	case r.Significant:
		return "✓ better"
	}
	return "~ no significant change"
}

func stat(s results.Stat) string {
	if s.N == 0 {
		return "-"
	}
	if s.HasCI() {
		return fmt.Sprintf("%s [%s, %s]", num(s.Median), num(s.Lo), num(s.Hi))
	}
	return fmt.Sprintf("%s (n=%d)", num(s.Median), s.N)
}

func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e4:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// change is a row's change of the medians, or "-" when a side has no
// usable repetition.
func change(r Row) string {
	if r.Old.N == 0 || r.New.N == 0 {
		return "-"
	}
	if r.Test == TestPaired && r.Ratio.HasCI {
		return fmt.Sprintf("%+.1f%% [%+.1f, %+.1f]", 100*r.Change, 100*(r.Ratio.Lo-1), 100*(r.Ratio.Hi-1))
	}
	return fmt.Sprintf("%+.1f%%", 100*r.Change)
}

// test names the row's test and, for a paired row, its pairs.
func test(r Row) string {
	if r.Test == TestPaired {
		return fmt.Sprintf("paired (%d)", r.Ratio.N())
	}
	return r.Test
}

// detectable is a row's smallest detectable worsening, in words.
func detectable(r Row) string {
	switch {
	case math.IsNaN(r.Detectable):
		return "-"
	case math.IsInf(r.Detectable, 1):
		return ">100%"
	}
	return fmt.Sprintf("%.1f%%", 100*r.Detectable)
}

func pValue(p float64) string {
	if math.IsNaN(p) {
		return "-"
	}
	return fmt.Sprintf("%.3f", p)
}

func level(k results.Key) string { return workload.LevelOf(k).String() }

// detectableNote explains the detectable column.
const detectableNote = "detectable: the smallest worsening this comparison flags 9 times in 10, simulated from its repetitions' own spread"

// testNote explains the test column.
const testNote = "test: paired (n pairs) is the Wilcoxon signed-rank test on the log ratios of back-to-back pairs, its p Holm-adjusted over the comparison's paired rows, the change the pairs' Hodges-Lehmann center with its exact 95% interval; unpaired is the Mann-Whitney U test on the medians"

// tooFewRows counts the rows of a test left undecided for lack of
// repetitions, other than client-bound ones.
func tooFewRows(r *Result, test string) int {
	n := 0
	for _, row := range r.Rows {
		if row.TooFew && row.ClientBound == 0 && row.Test == test {
			n++
		}
	}
	return n
}

// clientBoundRows counts the rows left undecided because their points
// were client-bound.
func clientBoundRows(r *Result) int {
	n := 0
	for _, row := range r.Rows {
		if row.TooFew && row.ClientBound > 0 {
			n++
		}
	}
	return n
}

// Write writes the comparison in format: text (aligned columns), markdown
// (a table for a CI job summary or a pull-request comment) or json.
func Write(w io.Writer, r *Result, format string) error { return WriteMachines(w, r, nil, format) }

// WriteMachines is Write with the two runs' machines described side by
// side before the table (in json, as "machines") when the environments
// differ or either run was over remote hosts; m nil describes none.
func WriteMachines(w io.Writer, r *Result, m *Machines, format string) error {
	if !m.shown(r) {
		m = nil
	}
	switch format {
	case "text":
		return writeText(w, r, m)
	case "markdown":
		return writeMarkdown(w, r, m)
	case "json":
		return writeJSON(w, r, m)
	}
	return fmt.Errorf("unknown format %q; choose from %s", format, strings.Join(Formats, ", "))
}

func summary(r *Result) string {
	regs := r.Regressions()
	s := fmt.Sprintf("%d comparisons, %d regressions (significant at α=%g and worse by more than %g%%)",
		len(r.Rows), len(regs), r.Options.Alpha, 100*r.Options.Threshold)
	if n := clientBoundRows(r); n > 0 {
		s += fmt.Sprintf("; %d rows not compared because their points were client-bound (the figure is the load generator's limit, not the server's)", n)
	}
	if n := tooFewRows(r, TestU); n > 0 {
		s += fmt.Sprintf("; %d rows have fewer than %d repetitions a side, too few to decide", n, MinReps)
	}
	if n := tooFewRows(r, TestPaired); n > 0 {
		s += fmt.Sprintf("; %d rows have fewer than %d pairs, too few to decide", n, MinPairs)
	}
	if len(r.EnvChanges) > 0 {
		s += "; the environments differ: " + joinChanges(r.EnvChanges)
	}
	return s
}

func writeText(w io.Writer, r *Result, m *Machines) error {
	if m != nil {
		if err := writeMachinesText(w, m); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tseries\tlevel\tmetric\told\tnew\tchange\tp\ttest\tdetectable\tverdict")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Key.Workload, row.Key.Series(), level(row.Key),
			row.Metric.Name, row.Metric.Unit, stat(row.Old), stat(row.New), change(row), pValue(row.P), test(row), detectable(row), row.verdict())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w, "\n"+summary(r)+"; medians with their 95% intervals [lo, hi], or n below 6 repetitions; "+testNote+"; "+detectableNote); err != nil || r.Capacity == nil {
		return err
	}
	return writeCapacityText(w, r.Capacity)
}

func writeMarkdown(w io.Writer, r *Result, m *Machines) error {
	if m != nil {
		if err := writeMachinesMarkdown(w, m); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "| workload | series | level | metric | old | new | change | p | test | detectable | verdict |")
	fmt.Fprintln(w, "|---|---|---|---|--:|--:|--:|--:|---|--:|---|")
	for _, row := range r.Rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s %s | %s | %s | %s | %s | %s | %s | %s |\n", row.Key.Workload, row.Key.Series(), level(row.Key),
			row.Metric.Name, row.Metric.Unit, stat(row.Old), stat(row.New), change(row), pValue(row.P), test(row), detectable(row), row.verdict())
	}
	if _, err := fmt.Fprintf(w, "\n%s. Medians with their 95%% intervals, or n below 6 repetitions; %s; %s.\n", summary(r), testNote, detectableNote); err != nil || r.Capacity == nil {
		return err
	}
	return writeCapacityMarkdown(w, r.Capacity)
}

// jsonRow is a row as --format json writes it.
type jsonRow struct {
	Workload   string   `json:"workload"`
	Model      string   `json:"model"`
	Variant    string   `json:"variant"`
	Level      string   `json:"level"`
	Metric     string   `json:"metric"`
	Unit       string   `json:"unit"`
	Old        jsonStat `json:"old"`
	New        jsonStat `json:"new"`
	Change     float64  `json:"change"`
	P          *float64 `json:"p"`
	TooFew     bool     `json:"too_few,omitempty"`
	Regression bool     `json:"regression"`
	// Noise and Detectable are relative (0.05: 5%); absent when too few.
	Noise      *float64 `json:"noise,omitempty"`
	Detectable *float64 `json:"detectable,omitempty"`
	Verdict    string   `json:"verdict"`
	// Test is "paired" or "unpaired"; Ratio and PairRatios are a paired
	// comparison's pairs (new/old); ClientBound counts repetitions left
	// out as client-bound.
	Test string `json:"test"`
	// PUnadjusted is a paired row's own p, before Holm's adjustment over
	// the Family of paired rows.
	PUnadjusted *float64   `json:"p_unadjusted,omitempty"`
	Family      int        `json:"family,omitempty"`
	Ratio       *jsonRatio `json:"ratio,omitempty"`
	PairRatios  []float64  `json:"pair_ratios,omitempty"`
	ClientBound int        `json:"client_bound,omitempty"`
}

// jsonRatio is a paired row's ratio: its Hodges-Lehmann center and, from
// 6 pairs on, its 95% interval.
type jsonRatio struct {
	Center float64  `json:"center"`
	Lo     *float64 `json:"ci_lo,omitempty"`
	Hi     *float64 `json:"ci_hi,omitempty"`
	N      int      `json:"n"`
}

func toJSONRatio(row Row) *jsonRatio {
	if row.Test != TestPaired {
		return nil
	}
	r := row.Ratio
	j := &jsonRatio{Center: r.Center, N: r.N()}
	if r.HasCI {
		j.Lo, j.Hi = &r.Lo, &r.Hi
	}
	return j
}

type jsonStat struct {
	Median float64  `json:"median"`
	Lo     *float64 `json:"ci_lo,omitempty"`
	Hi     *float64 `json:"ci_hi,omitempty"`
	N      int      `json:"n"`
}

func toJSONStat(s results.Stat) jsonStat {
	j := jsonStat{Median: s.Median, N: s.N}
	if s.HasCI() {
		j.Lo, j.Hi = &s.Lo, &s.Hi
	}
	return j
}

func writeJSON(w io.Writer, r *Result, m *Machines) error {
	out := struct {
		Summary     string         `json:"summary"`
		Regressions int            `json:"regressions"`
		EnvChanges  []string       `json:"env_changes,omitempty"`
		Machines    *jsonMachines  `json:"machines,omitempty"`
		Rows        []jsonRow      `json:"rows"`
		Capacity    []jsonCapacity `json:"capacity,omitempty"`
	}{Summary: summary(r), Regressions: len(r.Regressions()), EnvChanges: r.EnvChanges, Rows: []jsonRow{}, Capacity: toJSONCapacity(r.Capacity)}
	if m != nil {
		out.Machines = toJSONMachines(m)
	}
	for _, row := range r.Rows {
		j := jsonRow{Workload: row.Key.Workload, Model: row.Key.Model, Variant: row.Key.Variant, Level: level(row.Key),
			Metric: row.Metric.Name, Unit: row.Metric.Unit, Old: toJSONStat(row.Old), New: toJSONStat(row.New),
			Change: row.Change, TooFew: row.TooFew, Regression: row.Regression, Verdict: row.verdict(),
			Test: row.Test, Ratio: toJSONRatio(row), PairRatios: row.Ratio.Ratios, ClientBound: row.ClientBound}
		if !math.IsNaN(row.P) {
			p := row.P
			j.P = &p
		}
		if row.Test == TestPaired && !math.IsNaN(row.PUnadjusted) {
			p := row.PUnadjusted
			j.PUnadjusted, j.Family = &p, row.Family
		}
		if !math.IsNaN(row.Noise) {
			n := row.Noise
			j.Noise = &n
		}
		if !math.IsNaN(row.Detectable) && !math.IsInf(row.Detectable, 0) {
			d := row.Detectable
			j.Detectable = &d
		}
		out.Rows = append(out.Rows, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
