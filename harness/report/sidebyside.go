package report

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/machines"
	"loopbench/harness/results"
)

//go:embed sidebyside.tmpl
var sideBySideTemplate string

var sideBySideTmpl = parse("sidebyside", sideBySideTemplate)

// Side is one of the two runs a report sets side by side: its analysis,
// and where its charts are, as for Write.
type Side struct {
	Analysis *analysis.Analysis
	Options  Options
}

// sideNames label the two runs everywhere in a report of two runs.
var sideNames = []string{"A", "B"}

// WriteSideBySide renders one report of two runs side by side, A and B:
// which host ran which run, their machines side by side, each run's
// scorecard, both runs' verdict on each claim, and each workload's table
// with the two runs' figures one after the other, configuration by
// configuration. Each run's figures and verdicts are its own: nothing is
// paired across runs.
func WriteSideBySide(w io.Writer, a, b Side) error {
	for i, s := range []Side{a, b} {
		if s.Analysis == nil || len(s.Analysis.Run.Points) == 0 && len(s.Analysis.Run.Capacity) == 0 {
			id := ""
			if s.Analysis != nil {
				id = s.Analysis.Run.ID
			}
			return fmt.Errorf("run %s (%s) has no points: nothing to report", sideNames[i], id)
		}
	}
	if err := sideBySideTmpl.Execute(w, buildSideBySide(a, b)); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return writeCapacityPair(w, a.Analysis.Run, b.Analysis.Run)
}

// sideBySideView is everything the template of two runs shows.
type sideBySideView struct {
	Title string
	Runs  []runSide
	// Heads and Machines set every host of both runs side by side;
	// Differ says how the two runs' servers' machines differ.
	Heads    []string
	Machines []machines.Row
	Differ   string
	// Settings are the runs' other facts, a value per run.
	Settings  []machines.Row
	Claims    []claimPair
	Workloads []pairWorkload
	Design    string
	Threads   string
	// ReportCommit is the commit that wrote the report, where it is
	// neither run's (Options.Commit).
	ReportCommit string
}

// runSide is one run of the two: its name (A or B) and its own figures.
type runSide struct {
	Name              string
	Run               *results.Run
	Placement, Status string
	Scorecard         scorecardView
	Card              *image
}

// claimPair is a claim with each run's verdict on it.
type claimPair struct {
	Statement string
	Verdicts  []string
}

// pairWorkload is one workload's table of both runs.
type pairWorkload struct {
	Name, Description, File, Level string
	CPUs, Partial, Charts          []string
	Table                          table
}

// buildSideBySide gathers the view of a and b. The claims' introduction
// names A's cast (the sides of the argument in A's model table).
func buildSideBySide(a, b Side) sideBySideView {
	v := sideBySideView{Design: a.Analysis.Design, Threads: a.Analysis.Threads}
	var titles []string
	for i, s := range []Side{a, b} {
		run := s.Analysis.Run
		rs := runSide{Name: sideNames[i], Run: run, Placement: machines.Placement(run.Env), Status: status(run),
			Scorecard: scorecard(s.Analysis.Claims)}
		if card := images(s.Options, "", "scorecard"); len(card) > 0 {
			rs.Card = &card[0]
		}
		v.Runs = append(v.Runs, rs)
		titles = append(titles, rs.Name+" on "+machines.HostName(machines.Server(run.Env)))
	}
	v.Title = strings.Join(titles, ", ")
	ea, eb := a.Analysis.Run.Env, b.Analysis.Run.Env
	v.Heads, v.Machines = hostColumns(ea, eb)
	v.Differ = differ(ea, eb)
	v.Settings = settings(a.Analysis, b.Analysis)
	v.Claims = claimPairs(a.Analysis.Claims, b.Analysis.Claims)
	v.Workloads = pairWorkloads(a, b)
	if c := b.Options.Commit; c != "" && c != ea.Commit && c != eb.Commit {
		v.ReportCommit = c
	}
	return v
}

// hostColumns are the hosts of both runs side by side, each column headed
// by its run and part ("B: server").
func hostColumns(a, b results.Env) ([]string, []machines.Row) {
	var heads []string
	var hosts []results.Host
	for i, env := range []results.Env{a, b} {
		for _, h := range machines.Of(env) {
			heads = append(heads, sideNames[i]+": "+machines.RoleName(h.Role))
			hosts = append(hosts, h)
		}
	}
	rows := slices.DeleteFunc(machines.SideBySide(hosts), func(r machines.Row) bool { return r.Label == "role" })
	return heads, rows
}

// differ says what differs between the runs' servers' machines and
// software, which any difference of their figures measures too.
func differ(a, b results.Env) string {
	d := machines.Differences(machines.Server(a), machines.Server(b))
	for _, f := range []struct{ name, x, y string }{{"Go", a.GoVersion, b.GoVersion}, {"node", a.NodeVersion, b.NodeVersion},
		{"commit", a.Commit, b.Commit}, {"server CPUs", a.ServerCPUs, b.ServerCPUs}} {
		if f.x != f.y {
			d = append(d, f.name)
		}
	}
	if len(d) == 0 {
		return "The two runs' servers ran on machines described alike, with the same software: a difference between their figures is the runs' own noise."
	}
	return "The two runs differ in " + strings.Join(d, ", ") + " (the servers' machines, the software and the CPU sets): a difference between their figures measures these as much as the servers."
}

// settings are the facts of each run beyond its machines.
func settings(a, b *analysis.Analysis) []machines.Row {
	rows := []machines.Row{{Label: "run"}, {Label: "started"}, {Label: "CPU sets"}, {Label: "software"},
		{Label: "points"}, {Label: "measured interval"}, {Label: "flagged points"}, {Label: "notes"}}
	for _, an := range []*analysis.Analysis{a, b} {
		r, e, m := an.Run, an.Run.Env, measured(an)
		soft := e.GoVersion
		if e.NodeVersion != "" {
			soft += ", node " + e.NodeVersion
		}
		values := []string{"`" + r.ID + "`", r.Started.UTC().Format("2006-01-02 15:04:05 MST") + ", " + status(r),
			fmt.Sprintf("server `%s`, load generator `%s` (load generator GOMAXPROCS %d)", e.ServerCPUs, e.ClientCPUs, e.GOMAXPROCS),
			fmt.Sprintf("%s, loopbench %s, commit %s", soft, e.Version, commitWords(e.Commit)), m[0], m[1], m[2], notes(e)}
		for i := range rows {
			rows[i].Values = append(rows[i].Values, cell(values[i]))
		}
	}
	return rows
}

// notes are a run's notes and its hosts', in one cell.
func notes(e results.Env) string {
	ns := slices.Clone(e.Notes)
	for _, h := range e.Hosts {
		for _, n := range h.Notes {
			ns = append(ns, machines.HostName(h)+": "+n)
		}
	}
	if len(ns) == 0 {
		return "–"
	}
	return strings.Join(ns, "; ")
}

// claimPairs are the claims with both runs' verdicts.
func claimPairs(ca, cb []analysis.Claim) []claimPair {
	var out []claimPair
	for i := range min(len(ca), len(cb)) { // the same claims, from the model table
		p := claimPair{Statement: ca[i].Statement}
		for _, c := range []analysis.Claim{ca[i], cb[i]} {
			p.Verdicts = append(p.Verdicts, fmt.Sprintf("**%s**: %s", c.Verdict, c.Summary()))
		}
		out = append(out, p)
	}
	return out
}
