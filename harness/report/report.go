// Package report writes REPORT.md from a run: a scorecard of the verdicts
// with their intervals, how it was measured, the verdict the numbers give
// on each claim of the argument loopbench measures, a table per workload
// and the charts. Every figure comes from the run's analysis
// (harness/analysis), which the charts read too, written with
// harness/figures; from plot the report takes only chart file names. The
// text comes from a template (report.tmpl); nothing is typed in.
package report

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strings"
	"text/template"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/machines"
	"loopbench/harness/plot"
	"loopbench/harness/results"
	"loopbench/harness/syscount"
)

//go:embed report.tmpl
var reportTemplate string

//go:embed tables.tmpl
var tablesTemplate string

// funcs are the functions both templates call.
var funcs = template.FuncMap{
	"cell":           cell,
	"inc":            func(i int) int { return i + 1 },
	"bytes":          func(b int64) string { return figures.Bytes(float64(b)) },
	"commit":         commitWords,
	"unresolvedNote": figures.UnresolvedNote,
	"percentileRule": percentileRule,
}

var tmpl = parse("report", reportTemplate)

// parse parses a report template with the pieces both share (tables.tmpl).
func parse(name, text string) *template.Template {
	return template.Must(template.Must(template.New(name).Funcs(funcs).Parse(text)).Parse(tablesTemplate))
}

// commitWords writes a commit as the runner records it (runner.GitCommit):
// "`908189e`", or "`908189e` with uncommitted changes" for "-dirty".
func commitWords(c string) string {
	if base, ok := strings.CutSuffix(c, "-dirty"); ok {
		return "`" + base + "` with uncommitted changes"
	}
	if c == "" {
		c = "unknown"
	}
	return "`" + c + "`"
}

// percentileRule states, once per report, when a percentile is a figure.
func percentileRule() string {
	return fmt.Sprintf("A percentile is given only where at least %d requests lie beyond it (p99 needs %s requests, p99.9 %s); elsewhere it reads %s, not resolved.",
		figures.MinBeyond, figures.Num(float64(figures.NeedSamples(99))), figures.Num(float64(figures.NeedSamples(99.9))), figures.Unresolved)
}

// Options say where the report will live relative to the charts.
type Options struct {
	// ImageBase is the path from the report's directory to the run's plots
	// directory, with forward slashes: "plots" for a report inside the run
	// directory, "results/<id>/plots" for REPORT.md at the repository root.
	ImageBase string
	// Plots are the base names of the charts that exist (plot.Name), each
	// as .png and .svg; only those are linked.
	Plots []string
	// Commit is the commit of the loopbench that writes the report, as
	// runner.GitCommit gives it ("" when unknown); the report names it
	// beside the run's own where the two differ, since the analysis that
	// reads the run is the writer's.
	Commit string
	// Syscalls are the counts of `loopbench syscalls` kept beside the run
	// (syscount.ReportFile), nil when there are none.
	Syscalls *syscount.Report
	// Pooled, when set, is the runs the report's claims were pooled over
	// (analysis.Pool): the report says how they agreed.
	Pooled *analysis.Pooled
}

// Write renders the report of a run, from its analysis, to w.
func Write(w io.Writer, a *analysis.Analysis, opts Options) error {
	if len(a.Run.Points) == 0 && len(a.Run.Capacity) == 0 {
		return fmt.Errorf("run %s has no points: nothing to report", a.Run.ID)
	}
	v := build(a, opts)
	if err := tmpl.Execute(w, v); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return writeCapacity(w, a, opts)
}

// view is everything the template shows.
type view struct {
	Run *results.Run
	Env results.Env
	// Title names the host: the run's, or for a run over remote hosts
	// where the servers and the load ran (Placement), each host of which
	// Hosts lists with its part.
	Title, Placement string
	Hosts            []hostRow
	Status           string
	Measured         []string
	// ReportCommit is the commit that wrote the report, where it is not
	// the run's (Options.Commit).
	ReportCommit string
	// Scorecard is the verdict table the report opens with, under the
	// forest plot Card (nil when it was not drawn).
	Scorecard scorecardView
	Card      *image
	Claims    []claimView
	Workloads []workloadView
	RunPlots  []image
	// Design names the event-loop side of the argument and Threads the
	// thread-per-connection model it is held against.
	Design, Threads string
	// LifePartial counts the points partial for what happened in their
	// windows outside the server's service (retransmits, a rate not held);
	// LifeMarks lists what the kernel counted outside the windows.
	LifePartial, LifeMarks []string
	// Syscalls is the table of system calls per request, when the run
	// has its counts; Facts the parts of the argument that are facts of
	// design.
	Syscalls *syscallTable
	Facts    []string
	// Pooled says how the runs the claims were pooled over agreed.
	Pooled *pooledSummary
}

// claimView is a claim with links to the charts that exist of those it
// names.
type claimView struct {
	analysis.Claim
	Summary string
	Links   []image
}

type workloadView struct {
	Name, Description, Level string
	File, CPUs               string
	Table                    table
	Routes                   []routeRow
	// RoutesUnresolved says a percentile of Routes is not resolved.
	RoutesUnresolved bool
	// Partial lists the workload's partial points and their reasons.
	Partial []string
	// Connects is how each configuration's connections were established.
	Connects []connectRow
	// Memory is the memory per held connection of an idle workload.
	Memory []memoryRow
	Plots  []image
}

// hostRow is one machine of a run over remote hosts and the part it played.
type hostRow struct{ Role, Name, Machine string }

// hostRows list the machines of a run over remote hosts, each with its
// part and description, and what could not be read of it.
func hostRows(env results.Env) []hostRow {
	var out []hostRow
	for _, h := range env.Hosts {
		m := machines.Summary(h)
		if len(h.Notes) > 0 {
			m += " (" + strings.Join(h.Notes, "; ") + ")"
		}
		out = append(out, hostRow{Role: machines.RoleName(h.Role), Name: machines.HostName(h), Machine: m})
	}
	return out
}

// image is a chart link: the PNG inline, the SVG linked.
type image struct{ Alt, PNG, SVG string }

// claimCharts are, per claim (in the order of analysis.Analysis.Claims), the charts that
// show its readings, by file name.
var claimCharts = [][]string{
	{plot.Name("c10k", plot.KindBytesPerConn), plot.Name("c10k", plot.KindMemory)},
	{plot.Name("wait-sleep", plot.KindIdeal), plot.Name("wait-upstream", plot.KindIdeal), plot.Name("wait-sleep", plot.KindThreads)},
	{plot.Name("mixed", plot.KindRouteLatency), plot.Name("", plot.KindLoopLag), plot.Name("pool-wait", plot.KindThroughput), plot.Name("pool-cpu", plot.KindThroughput)},
	{plot.Name("cores", plot.KindThroughput), plot.Name("cores", plot.KindCPU)},
	{plot.Name("plaintext", plot.KindCPU), plot.Name("pipelined", plot.KindCPU)},
}

func build(a *analysis.Analysis, opts Options) view {
	run := a.Run
	v := view{Run: run, Env: run.Env, Title: run.Env.Host, Status: status(run), Measured: measured(a)}
	if len(run.Env.Hosts) > 0 {
		v.Title, v.Placement, v.Hosts = machines.Placement(run.Env), machines.Placement(run.Env), hostRows(run.Env)
	}
	v.Design, v.Threads = a.Design, a.Threads
	v.LifePartial, v.LifeMarks = lifeNotes(run)
	v.Syscalls = syscallRows(opts.Syscalls)
	v.Pooled = pooledView(opts.Pooled)
	v.Facts = a.Facts
	if opts.Commit != "" && opts.Commit != run.Env.Commit {
		v.ReportCommit = opts.Commit
	}
	v.Scorecard = scorecard(a.Claims)
	if card := images(opts, "", plot.KindScorecard); len(card) > 0 {
		v.Card = &card[0]
	}
	for i, c := range a.Claims {
		cv := claimView{Claim: c, Summary: c.Summary()}
		if i < len(claimCharts) {
			for _, name := range claimCharts[i] {
				if slices.Contains(opts.Plots, name) {
					cv.Links = append(cv.Links, image{Alt: name, PNG: path.Join(opts.ImageBase, name+".png")})
				}
			}
		}
		v.Claims = append(v.Claims, cv)
	}
	for i := range a.Workloads {
		w := &a.Workloads[i]
		desc, file := describe(run, w.Name)
		wv := workloadView{Name: w.Name, Description: desc, File: file, CPUs: cpuSets(w),
			Level: w.LevelName(), Table: tableOf(w.LevelName(), false, rows(w)), Routes: routeRows(w), Partial: partials(w), Connects: connectRows(w), Memory: memoryRows(w), Plots: images(opts, w.Name)}
		for _, r := range wv.Routes {
			wv.RoutesUnresolved = wv.RoutesUnresolved || r.Unresolved
		}
		v.Workloads = append(v.Workloads, wv)
	}
	v.RunPlots = images(opts, "", slices.DeleteFunc(slices.Clone(plot.Kinds), func(k string) bool { return k == plot.KindScorecard })...)
	return v
}

// images are the charts of a workload ("" for the run-wide ones) that
// exist, of the kinds given (every kind when none), in plot.Kinds order.
func images(opts Options, workload string, kinds ...string) []image {
	if len(kinds) == 0 {
		kinds = plot.Kinds
	}
	var out []image
	for _, kind := range kinds {
		name := plot.Name(workload, kind)
		if !slices.Contains(opts.Plots, name) {
			continue
		}
		alt := strings.TrimPrefix(workload+" "+kind, " ")
		out = append(out, image{Alt: alt, PNG: path.Join(opts.ImageBase, name+".png"), SVG: path.Join(opts.ImageBase, name+".svg")})
	}
	return out
}

// describe returns a workload's description and source file.
func describe(run *results.Run, name string) (desc, file string) {
	for _, w := range run.Workloads {
		if w.Name == name {
			return w.Description, w.File
		}
	}
	return "", ""
}

// status says whether the run finished.
func status(run *results.Run) string {
	switch {
	case run.Interrupted:
		return "interrupted before the end: some workloads are missing"
	case run.Finished.IsZero():
		return "not finished (still running, or stopped without a mark)"
	case run.Quick:
		return "finished, quick version of every workload (short measurements)"
	}
	return "finished"
}

// measured describes the measurement: durations, repetitions, points.
func measured(a *analysis.Analysis) []string {
	run := a.Run
	lo, hi := math.Inf(1), math.Inf(-1)
	reps, failed, partial, bound := 0, 0, 0, 0
	for _, p := range run.Points {
		if !p.Failed {
			lo, hi = math.Min(lo, p.Duration), math.Max(hi, p.Duration)
		}
		reps = max(reps, p.Rep+1)
		switch {
		case p.Failed:
			failed++
		case !p.Usable():
			partial++
		}
		if p.ClientBound {
			bound++
		}
	}
	durs := figures.Num(lo) + "–" + figures.Num(hi) + " s"
	if figures.Num(lo) == figures.Num(hi) {
		durs = figures.Num(lo) + " s"
	}
	if math.IsInf(lo, 0) {
		durs = "none (every point failed)"
	}
	return []string{
		fmt.Sprintf("%d points over %d workloads, at most %s per configuration (tables show the median with its 95%% interval where there are 6 or more).", len(run.Points), len(a.Workloads), figures.Plural(reps, "repetition")),
		fmt.Sprintf("Measured interval per point: %s (warm-up excluded).", durs),
		fmt.Sprintf("%s failed, %s partial (did not hold the load they name: shown with the reason, left out of figures and verdicts) and %s client-bound (the load generator's CPU was saturated, so they show the client's limit).", figures.Plural(failed, "point"), figures.Plural(partial, "point"), figures.Plural(bound, "point")),
	}
}
