package report

import (
	"fmt"
	"slices"
	"strings"

	"loopbench/harness/analysis"
	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// pairWorkloads are the tables of every workload either run measured, in
// A's order, then B's others.
func pairWorkloads(a, b Side) []pairWorkload {
	ws := [2]map[string]*analysis.Workload{{}, {}}
	var names []string
	for i, s := range []Side{a, b} {
		all := s.Analysis.Workloads
		for j := range all {
			ws[i][all[j].Name] = &all[j]
			if !slices.Contains(names, all[j].Name) {
				names = append(names, all[j].Name)
			}
		}
	}
	var out []pairWorkload
	for _, n := range names {
		out = append(out, pairWorkloadOf(n, [2]*analysis.Workload{ws[0][n], ws[1][n]}, [2]Side{a, b}))
	}
	return out
}

// pairWorkloadOf is one workload's table: its description from the first
// run that has it, each run's CPU sets, partial points and charts.
func pairWorkloadOf(name string, ws [2]*analysis.Workload, sides [2]Side) pairWorkload {
	pw := pairWorkload{Name: name}
	for i, w := range ws {
		run := sides[i].Analysis.Run
		if w == nil {
			pw.CPUs = append(pw.CPUs, sideNames[i]+": not measured")
			continue
		}
		if pw.Level == "" {
			pw.Level = w.LevelName()
			pw.Description, pw.File = describe(run, name)
		}
		pw.CPUs = append(pw.CPUs, sideNames[i]+": "+cpuSets(w))
		for _, p := range partials(w) {
			pw.Partial = append(pw.Partial, sideNames[i]+", "+p)
		}
		if imgs := images(sides[i].Options, name); len(imgs) > 0 {
			var links []string
			for _, img := range imgs {
				links = append(links, fmt.Sprintf("[%s](%s)", img.Alt, img.PNG))
			}
			pw.Charts = append(pw.Charts, sideNames[i]+": "+strings.Join(links, ", "))
		}
	}
	pw.Table = tableOf(pw.Level, true, pairRows(ws))
	return pw
}

// pairRows are a workload's configurations, each with A's row then B's
// ("not measured" where a run lacks it), in A's order, then B's others.
func pairRows(ws [2]*analysis.Workload) []row {
	groups := [2]map[results.Key]*results.Group{{}, {}}
	var keys []results.Key
	for i, w := range ws {
		if w == nil {
			continue
		}
		for j := range w.Groups {
			g := &w.Groups[j]
			groups[i][g.Key] = g
			if _, seen := groups[0][g.Key]; i == 0 || !seen {
				keys = append(keys, g.Key)
			}
		}
	}
	var out []row
	for _, k := range keys {
		for i := range ws {
			r := rowOrMissing(ws[i], groups[i][k], groups[1-i][k])
			r.Run = sideNames[i]
			out = append(out, r)
		}
	}
	return out
}

// rowOrMissing is the row of g, a configuration of w, or a row saying the
// configuration other has was not measured.
func rowOrMissing(w *analysis.Workload, g, other *results.Group) row {
	if g != nil {
		return rowOf(g.Key, w.Stats(g))
	}
	return row{Series: other.Key.Series(), Level: figures.Num(analysis.Level(other)), ReqS: "not measured"}
}
