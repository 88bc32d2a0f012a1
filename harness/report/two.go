package report

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

//go:embed two.tmpl
var twoTemplate string

var twoTmpl = template.Must(template.New("two").Funcs(funcs).Parse(twoTemplate))

// Side is one of the two runs a report sets side by side, with where its
// charts are, as for Write.
type Side struct {
	Run     *results.Run
	Options Options
}

// sideNames label the two runs everywhere in a two-run report.
var sideNames = []string{"A", "B"}

// WriteTwo renders one report of two runs, A and B: which host ran which
// run, their machines side by side, each run's scorecard, both runs'
// verdict on each claim, and each workload's table with the two runs'
// figures one after the other, configuration by configuration. Each run's
// figures and verdicts are its own: nothing is paired across runs.
func WriteTwo(w io.Writer, a, b Side) error {
	for i, s := range []Side{a, b} {
		if s.Run == nil || len(s.Run.Points) == 0 {
			id := ""
			if s.Run != nil {
				id = s.Run.ID
			}
			return fmt.Errorf("run %s (%s) has no points: nothing to report", sideNames[i], id)
		}
	}
	if err := twoTmpl.Execute(w, buildTwo(a, b)); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// twoView is everything the two-run template shows.
type twoView struct {
	Title string
	Runs  []runSide
	// Heads and Machines set every host of both runs side by side;
	// Differ says how the two runs' servers' machines differ.
	Heads    []string
	Machines []analysis.MachineRow
	Differ   string
	// Settings are the runs' other facts, a value per run.
	Settings  []analysis.MachineRow
	Claims    []claimPair
	Workloads []pairWorkload
	Design    string
	Threads   string
}

// runSide is one run of the two: its name (A or B) and its own figures.
type runSide struct {
	Name              string
	Run               *results.Run
	Placement, Status string
	Scorecard         []scoreRow
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
	Rows                           []pairRow
}

// pairRow is one run's row of a configuration.
type pairRow struct {
	row
	Run string
}

func buildTwo(a, b Side) twoView {
	sides := []Side{a, b}
	v := twoView{}
	v.Design, v.Threads = analysis.Sides()
	var titles []string
	for i, s := range sides {
		rs := runSide{Name: sideNames[i], Run: s.Run, Placement: analysis.Placement(s.Run.Env), Status: status(s.Run),
			Scorecard: scorecard(analysis.Claims(s.Run))}
		if card := images(s.Options, "", "scorecard"); len(card) > 0 {
			rs.Card = &card[0]
		}
		v.Runs = append(v.Runs, rs)
		titles = append(titles, rs.Name+" on "+analysis.HostName(analysis.Server(s.Run.Env)))
	}
	v.Title = strings.Join(titles, ", ")
	v.Heads, v.Machines = machines(a.Run.Env, b.Run.Env)
	v.Differ = differ(a.Run.Env, b.Run.Env)
	v.Settings = settings(a.Run, b.Run)
	v.Claims = claimPairs(a.Run, b.Run)
	v.Workloads = pairWorkloads(a, b)
	return v
}

// machines are the hosts of both runs side by side, each column headed by
// its run and part ("B: server").
func machines(a, b results.Env) ([]string, []analysis.MachineRow) {
	var heads []string
	var hosts []results.Host
	for i, env := range []results.Env{a, b} {
		for _, h := range analysis.Machines(env) {
			heads = append(heads, sideNames[i]+": "+analysis.RoleName(h.Role))
			hosts = append(hosts, h)
		}
	}
	rows := slices.DeleteFunc(analysis.SideBySide(hosts), func(r analysis.MachineRow) bool { return r.Label == "role" })
	return heads, rows
}

// differ says what differs between the runs' servers' machines and
// software, which any difference of their figures measures too.
func differ(a, b results.Env) string {
	d := analysis.Differences(analysis.Server(a), analysis.Server(b))
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
func settings(a, b *results.Run) []analysis.MachineRow {
	rows := []analysis.MachineRow{{Label: "run"}, {Label: "started"}, {Label: "CPU sets"}, {Label: "software"},
		{Label: "points"}, {Label: "measured interval"}, {Label: "flagged points"}, {Label: "notes"}}
	for _, r := range []*results.Run{a, b} {
		e := r.Env
		m := measured(r)
		soft := e.GoVersion
		if e.NodeVersion != "" {
			soft += ", node " + e.NodeVersion
		}
		values := []string{"`" + r.ID + "`", r.Started.UTC().Format("2006-01-02 15:04:05 MST") + ", " + status(r),
			fmt.Sprintf("server `%s`, load generator `%s` (load generator GOMAXPROCS %d)", e.ServerCPUs, e.ClientCPUs, e.GOMAXPROCS),
			fmt.Sprintf("%s, loopbench %s, commit `%s`", soft, e.Version, e.Commit), m[0], m[1], m[2], notes(e)}
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
			ns = append(ns, analysis.HostName(h)+": "+n)
		}
	}
	if len(ns) == 0 {
		return "–"
	}
	return strings.Join(ns, "; ")
}

// claimPairs are the claims with both runs' verdicts.
func claimPairs(a, b *results.Run) []claimPair {
	ca, cb := analysis.Claims(a), analysis.Claims(b)
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
