package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
	"loopbench/harness/report"
	"loopbench/harness/results"
	"loopbench/harness/runner"
	"loopbench/harness/syscount"
	"loopbench/harness/torture"
)

const reportUsage = `report RESULTS_DIR [--out PATH]
report RUN_A RUN_B [--out PATH]
report --pool RUN... [--out PATH]

Writes the report of a run: how it was measured, a table per workload, the
charts that ` + "`loopbench plot`" + ` drew, and the verdict on each claim.
The default --out is RESULTS_DIR/REPORT.md; "-" writes to stdout with image
links relative to the current directory. A symbolic link such as
results/latest is resolved, so the links name the run's own directory and
stay valid after the next run.

With two results directories it writes one report of both, A and B: which
host ran which run, their machines side by side (CPU, cores, memory, kernel,
virtualisation, DMI product, governor, huge pages, NIC, congestion control,
sysctls), each run's scorecard and verdicts from its own numbers, and every
workload's table with A's and B's figures one after the other. The default
--out is then RUN_B/REPORT-vs-<RUN_A's id>.md.

With --pool, the runs (several runs of one machine, oldest first) are read
together with the run as the unit: the report is the newest run's, its
claims' readings pooled over every run (the geometric mean of the runs'
medians, its interval from the runs' own intervals and from how far the
runs lie apart), with how often one run's median fell inside another's 95%
interval, and every verdict that changed from run to run. The default
--out is the newest run's REPORT.md.`

// runReport writes REPORT.md from one results directory, or the report of
// two side by side.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", reportUsage, stderr)
	out := fs.String("out", "", "where to write the report (default RESULTS_DIR/REPORT.md; - for stdout)")
	pool := fs.Bool("pool", false, "read several runs of one machine together, the run as the unit (see above)")
	torture := fs.String("torture", "", "a `directory` of loopbench torture results to add to the report (default: the newest results/torture-* beside the run; none to leave it out)")
	if err := parseFlags(fs, reorder(args, "--out", "-out", "--torture", "-torture")); err != nil {
		return err
	}
	if *pool {
		if fs.NArg() < 2 {
			return usagef("report --pool takes two or more results directories of one machine, oldest first; got %d", fs.NArg())
		}
		return reportPooled(fs.Args(), *out, *torture, stdout, stderr)
	}
	switch fs.NArg() {
	case 1:
		return reportOne(fs.Arg(0), *out, *torture, stdout, stderr)
	case 2:
		return reportTwo(fs.Arg(0), fs.Arg(1), *out, stdout, stderr)
	case 0:
		return usagef("report takes one results directory, for example `loopbench report results/latest --out REPORT.md`, or two to set side by side")
	}
	return usagef("report takes one results directory, or two to set side by side (RUN_A RUN_B); got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
}

// reportOne writes the report of the run in arg.
func reportOne(arg, out, torture string, stdout, stderr io.Writer) error {
	dir, run, err := reportRun(arg, stderr)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(dir, "REPORT.md")
	}
	opts, err := chartOptions(arg, dir, out, stderr)
	if err != nil {
		return err
	}
	opts.Commit = reportCommit()
	if rep, err := syscount.ReadReport(filepath.Join(dir, syscount.ReportFile)); err == nil {
		opts.Syscalls = rep
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var b bytes.Buffer
	if err := report.Write(&b, analysis.Analyze(run), opts); err != nil {
		return err
	}
	if err := appendTorture(&b, dir, out, torture); err != nil {
		return err
	}
	return writeReport(out, b.Bytes(), stdout)
}

// reportPooled writes the report of several runs of one machine read
// together: the newest's, with its claims pooled over every run.
func reportPooled(args []string, out, torture string, stdout, stderr io.Writer) error {
	var as []*analysis.Analysis
	var dir string
	for _, arg := range args {
		d, run, err := reportRun(arg, stderr)
		if err != nil {
			return err
		}
		if len(as) > 0 && run.Env.Machine().CPUModel != as[0].Run.Env.Machine().CPUModel {
			fmt.Fprintf(stderr, "loopbench: warning: %s ran on %s, not %s like %s: pooled runs should be of one machine\n", arg, run.Env.Machine().CPUModel, as[0].Run.Env.Machine().CPUModel, args[0])
		}
		dir = d
		as = append(as, analysis.Analyze(run))
	}
	if out == "" {
		out = filepath.Join(dir, "REPORT.md")
	}
	opts, err := chartOptions(args[len(args)-1], dir, out, stderr)
	if err != nil {
		return err
	}
	opts.Commit = reportCommit()
	if rep, err := syscount.ReadReport(filepath.Join(dir, syscount.ReportFile)); err == nil {
		opts.Syscalls = rep
	}
	pooled := analysis.Pool(as)
	newest := *as[len(as)-1]
	newest.Claims = pooled.Claims
	opts.Pooled = pooled
	var b bytes.Buffer
	if err := report.Write(&b, &newest, opts); err != nil {
		return err
	}
	if err := appendTorture(&b, dir, out, torture); err != nil {
		return err
	}
	return writeReport(out, b.Bytes(), stdout)
}

// appendTorture adds the table and chart of a torture run (loopbench
// torture) to the report: the one named, or the newest beside the run.
func appendTorture(b *bytes.Buffer, runDir, out, tortureDir string) error {
	if tortureDir == "none" {
		return nil
	}
	if tortureDir == "" {
		dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(runDir), "torture-*"))
		if len(dirs) == 0 {
			return nil
		}
		slices.Sort(dirs) // named by UTC time: the last is the newest
		tortureDir = dirs[len(dirs)-1]
	}
	table, err := os.ReadFile(filepath.Join(tortureDir, "torture.md"))
	if err != nil {
		return fmt.Errorf("--torture %s: %w (give a directory `loopbench torture` wrote, or none)", tortureDir, err)
	}
	text := string(table)
	if _, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(text, "# ") {
		text = strings.TrimLeft(rest, "\n") // the report gives its own heading
	}
	fmt.Fprintf(b, "\n## Hostile clients\n\nFrom `loopbench torture` (`make torture`), run %s: each scenario against each model while a light probe load checks that everyone else is still served.\n\n", filepath.Base(tortureDir))
	for _, chart := range []struct{ name, alt string }{
		{torture.ChartName, "probe p99 during each attack"},
		{torture.SlowChartName, "connections slowhttptest held during each of its attacks"},
	} {
		if _, err := os.Stat(filepath.Join(tortureDir, chart.name+".png")); err != nil {
			continue
		}
		base := filepath.Dir(out)
		if out == "-" {
			base = "."
		}
		if rel, err := filepath.Rel(base, filepath.Join(tortureDir, chart.name+".png")); err == nil {
			fmt.Fprintf(b, "![%s](%s)\n\n", chart.alt, filepath.ToSlash(rel))
		}
	}
	b.WriteString(text)
	return nil
}

// reportTwo writes one report of the runs in a and b.
func reportTwo(a, b, out string, stdout, stderr io.Writer) error {
	var sides [2]report.Side
	var dirs [2]string
	for i, arg := range []string{a, b} {
		dir, run, err := reportRun(arg, stderr)
		if err != nil {
			return err
		}
		dirs[i], sides[i].Analysis = dir, analysis.Analyze(run)
	}
	if dirs[0] == dirs[1] {
		return usagef("report: %s and %s are the same run; pass two different results directories", a, b)
	}
	if out == "" {
		out = filepath.Join(dirs[1], "REPORT-vs-"+sides[0].Analysis.Run.ID+".md")
	}
	for i, arg := range []string{a, b} {
		opts, err := chartOptions(arg, dirs[i], out, stderr)
		if err != nil {
			return err
		}
		sides[i].Options = opts
		sides[i].Options.Commit = reportCommit()
	}
	var buf bytes.Buffer
	if err := report.WriteSideBySide(&buf, sides[0], sides[1]); err != nil {
		return err
	}
	return writeReport(out, buf.Bytes(), stdout)
}

// reportRun resolves and reads the run in arg, warning on stderr when it
// was measured at another commit than this checkout's.
func reportRun(arg string, stderr io.Writer) (string, *results.Run, error) {
	dir, err := filepath.EvalSymlinks(arg)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w; pass a directory written by `loopbench run`", arg, err)
	}
	run, err := readRun(dir)
	if err != nil {
		return "", nil, err
	}
	if now := runner.GitCommit(); now != run.Env.Commit && now != "unknown" {
		fmt.Fprintf(stderr, "loopbench: warning: %s was measured at commit %s and this checkout is at %s: the report describes the code as it was measured\n", arg, run.Env.Commit, now)
	}
	return dir, run, nil
}

// reportCommit is the commit of the checkout the report is written from,
// recorded as the runner records a run's (runner.GitCommit); "" when it is
// not a git checkout.
func reportCommit() string {
	if c := runner.GitCommit(); c != "unknown" {
		return c
	}
	return ""
}

// chartOptions finds the charts of the run in dir for a report at out,
// and says on stderr when there are none.
func chartOptions(arg, dir, out string, stderr io.Writer) (report.Options, error) {
	opts, err := reportOptions(dir, out)
	if err == nil && len(opts.Plots) == 0 {
		fmt.Fprintf(stderr, "loopbench: no charts in %s; run `loopbench plot %s` first to include them\n", filepath.Join(dir, plot.Dir), arg)
	}
	return opts, err
}

// writeReport writes a report to out ("-": stdout) and prints its path.
func writeReport(out string, b []byte, stdout io.Writer) error {
	if out == "-" {
		_, err := stdout.Write(b)
		return err
	}
	if err := results.WriteFileAtomic(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
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
	if len(run.Points) == 0 && len(run.Capacity) == 0 {
		return nil, fmt.Errorf("%s: the run has no points yet; wait until `loopbench run` finishes a point, or run it again", filepath.Join(dir, results.RunFile))
	}
	return run, nil
}
