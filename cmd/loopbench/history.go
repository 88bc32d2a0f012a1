package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/changepoint"
	"loopbench/harness/compare"
	"loopbench/harness/history"
	"loopbench/harness/plot"
	"loopbench/harness/results"
)

const historyUsage = `history FILE [--plots DIR] [--format text|markdown] [--alpha 0.01] [--permutations 199] [--seed 1] [--min-size 3]
history FILE --append DIR [--commit SHA] [--base SHA] [--ref NAME]

Reads a history of benchmark figures over commits, JSON lines with one
record per measured commit, and finds where each point's figure changed:
change points by E-divisive means (Matteson and James 2014), each tested by
a seeded permutation test, within each machine (records are compared only
with records of the same machine fingerprint). Each change is printed with
the commit range it came in and the paired ratios measured in that range.
--plots writes one chart per workload, level and metric: the medians over
commits with their 95% intervals, the change points, and each A/B run's
paired ratio against its parent.

--append DIR adds the record of one run to FILE (created if need be): DIR
is an A/B run (loopbench ab's results/ab/<run>, with base/ and head/) or a
plain run. The record holds the commit (--commit; default the run's),
when and on what machine it was measured, and per point and metric the
medians and, for an A/B run, the head/base ratio over its back-to-back
pairs with its interval.

Exit status: 0, or 2 for a usage error or a history that cannot be read.`

func runHistory(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("history", historyUsage, stderr)
	appendDir := fs.String("append", "", "add the record of this run `directory` (an A/B run or a plain run) to FILE")
	commit := fs.String("commit", "", "with --append: the `commit` measured (default: the run's)")
	base := fs.String("base", "", "with --append: the `commit` an A/B run's base was built from")
	ref := fs.String("ref", "", "with --append: the `branch` measured")
	plots := fs.String("plots", "", "write a chart per workload, level and metric into this `directory`")
	format := fs.String("format", "text", "output `format`: text or markdown (for a CI job summary)")
	var o changepoint.Options
	fs.Float64Var(&o.Alpha, "alpha", 0.01, "significance `level` of each change point's permutation test")
	fs.IntVar(&o.Permutations, "permutations", 199, "`permutations` per tested split")
	fs.Uint64Var(&o.Seed, "seed", 1, "`seed` of the permutations")
	fs.IntVar(&o.MinSize, "min-size", 3, "the fewest `records` of a segment between change points")
	names := []string{"--append", "-append", "--commit", "-commit", "--base", "-base", "--ref", "-ref", "--plots", "-plots",
		"--format", "-format", "--alpha", "-alpha", "--permutations", "-permutations", "--seed", "-seed", "--min-size", "-min-size"}
	if err := parseFlags(fs, reorder(args, names...)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("history takes one history file, e.g. `loopbench history bench-history/history.jsonl`")
	}
	switch {
	case *format != "text" && *format != "markdown":
		return usagef("history: --format %q: choose text or markdown", *format)
	case o.Alpha <= 0 || o.Alpha >= 1:
		return usagef("history: --alpha %g: give a level between 0 and 1 such as 0.01", o.Alpha)
	case o.MinSize < 2:
		return usagef("history: --min-size %d: a segment needs 2 records at least", o.MinSize)
	case *appendDir == "" && (*commit != "" || *base != "" || *ref != ""):
		return usagef("history: --commit, --base and --ref describe the run --append adds")
	}
	file := fs.Arg(0)
	if *appendDir != "" {
		return appendHistory(stdout, file, *appendDir, *commit, *base, *ref)
	}
	recs, err := history.ReadFile(file)
	if err != nil {
		return usagef("history: %v", err)
	}
	series := history.Collect(recs)
	findings := history.Changes(series, o)
	if err := history.WriteReport(stdout, file, recs, series, findings, o, *format == "markdown"); err != nil {
		return err
	}
	if *plots != "" {
		files, err := history.WritePlots(*plots, recs, series, findings, plot.PaletteOf(modelTable()))
		if err != nil {
			return fmt.Errorf("history: --plots: %w", err)
		}
		fmt.Fprintf(stderr, "history: %d charts in %s\n", len(files), *plots)
	}
	return nil
}

// appendHistory adds the record of the run in dir to file.
func appendHistory(stdout io.Writer, file, dir, commit, base, ref string) error {
	rec, err := recordOf(dir, commit, base)
	if err != nil {
		return usagef("history: --append: %v", err)
	}
	rec.Ref = ref
	if err := history.Append(file, rec); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	fmt.Fprintf(stdout, "history: appended commit %s (%d rows, machine %s) to %s\n", rec.Commit, len(rec.Rows), rec.Machine.Fingerprint, file)
	return nil
}

// recordOf is the record of an A/B run (dir/base and dir/head, compared
// pair by pair) or of a plain run.
func recordOf(dir, commit, base string) (history.Record, error) {
	if _, err := os.Stat(filepath.Join(dir, "head")); err == nil {
		b, err := readRun(filepath.Join(dir, "base"))
		if err != nil {
			return history.Record{}, err
		}
		h, err := readRun(filepath.Join(dir, "head"))
		if err != nil {
			return history.Record{}, err
		}
		res, err := compare.Compare(analysis.Analyze(b), analysis.Analyze(h), compare.Options{})
		if err != nil && !errors.Is(err, compare.ErrEnvChanged) {
			return history.Record{}, err
		}
		return history.FromComparison(res, h, or(commit, h.Env.Commit), base), nil
	}
	run, err := readRun(dir)
	if err != nil {
		return history.Record{}, err
	}
	if base != "" {
		return history.Record{}, fmt.Errorf("%s is a plain run, not an A/B run: it has no base (drop --base)", dir)
	}
	return history.FromRun(run, or(commit, run.Env.Commit), results.Metrics), nil
}

func or(s, fallback string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return fallback
}
