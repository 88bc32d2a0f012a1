package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"loopbench/app"
	"loopbench/harness/plot"
	"loopbench/harness/report"
	"loopbench/harness/results"
	"loopbench/harness/runner"
)

const reportUsage = `report RESULTS_DIR [--out PATH]

Writes the report of a run: how it was measured, a table per workload, the
charts that ` + "`loopbench plot`" + ` drew, and the verdict on each claim.
The default --out is RESULTS_DIR/REPORT.md; "-" writes to stdout with image
links relative to the current directory. A symbolic link such as
results/latest is resolved, so the links name the run's own directory and
stay valid after the next run.`

// runReport writes REPORT.md from a results directory.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", reportUsage, stderr)
	out := fs.String("out", "", "where to write the report (default RESULTS_DIR/REPORT.md; - for stdout)")
	if err := parseFlags(fs, reorder(args, "--out", "-out")); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("report takes one results directory, for example `loopbench report results/latest --out REPORT.md`")
	}
	dir, err := filepath.EvalSymlinks(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%s: %w; pass a directory written by `loopbench run`", fs.Arg(0), err)
	}
	run, err := readRun(dir)
	if err != nil {
		return err
	}
	if now := runner.GitCommit(); now != run.Env.Commit && now != "unknown" {
		fmt.Fprintf(stderr, "loopbench: warning: %s was measured at commit %s and this checkout is at %s: the report describes the code as it was measured\n", fs.Arg(0), run.Env.Commit, now)
	}
	if *out == "" {
		*out = filepath.Join(dir, "REPORT.md")
	}
	opts, err := reportOptions(dir, *out)
	if err != nil {
		return err
	}
	if len(opts.Plots) == 0 {
		fmt.Fprintf(stderr, "loopbench: no charts in %s; run `loopbench plot %s` first to include them\n", filepath.Join(dir, plot.Dir), fs.Arg(0))
	}
	var b bytes.Buffer
	if err := report.Write(&b, run, opts); err != nil {
		return err
	}
	if *out == "-" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	if err := app.WriteFileAtomic(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, *out)
	return nil
}

// reorder moves the named flags (and their values) before the positional
// arguments, so `report DIR --out FILE` parses as documented.
func reorder(args []string, names ...string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		if !slices.Contains(names, name) {
			rest = append(rest, args[i])
			continue
		}
		flags = append(flags, args[i])
		if !hasValue && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, rest...)
}

// reportOptions finds the charts of the run and the path from the report's
// directory to them.
func reportOptions(dir, out string) (report.Options, error) {
	plots := filepath.Join(dir, plot.Dir)
	from := "."
	if out != "-" {
		from = filepath.Dir(out)
	}
	absFrom, err := filepath.Abs(from)
	if err != nil {
		return report.Options{}, err
	}
	absPlots, err := filepath.Abs(plots)
	if err != nil {
		return report.Options{}, err
	}
	rel, err := filepath.Rel(absFrom, absPlots)
	if err != nil {
		return report.Options{}, err
	}
	pngs, err := filepath.Glob(filepath.Join(plots, "*.png"))
	if err != nil {
		return report.Options{}, err
	}
	opts := report.Options{ImageBase: filepath.ToSlash(rel)}
	for _, p := range pngs {
		opts.Plots = append(opts.Plots, strings.TrimSuffix(filepath.Base(p), ".png"))
	}
	return opts, nil
}

// readRun reads a run and refuses one without points, naming the file.
func readRun(dir string) (*results.Run, error) {
	run, err := results.Read(dir)
	if err != nil {
		return nil, err
	}
	if len(run.Points) == 0 {
		return nil, fmt.Errorf("%s: the run has no points yet; wait until `loopbench run` finishes a point, or run it again", filepath.Join(dir, results.RunFile))
	}
	return run, nil
}
