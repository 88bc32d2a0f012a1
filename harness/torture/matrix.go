package torture

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"loopbench/harness/httpcheck"
	"loopbench/servers"
)

// Matrix writes the verdicts as a table, a row per scenario or check and a
// column per model: "pass", or "FAIL" with the first reason.
func (r *Report) Matrix(w io.Writer) {
	models, checks := r.axes()
	if len(models) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Matrix\n\n| check | %s |\n|---|%s\n", strings.Join(models, " | "), strings.Repeat("---|", len(models)))
	for _, c := range checks {
		cells := make([]string, len(models))
		for i, m := range models {
			cells[i] = r.cell(m, c)
		}
		fmt.Fprintf(w, "| %s | %s |\n", c, strings.Join(cells, " | "))
	}
	r.limits(w)
	if slices.Contains(checks, "differential") {
		writeKnown(w)
	}
}

// axes are the models and scenarios of the results, in run order.
func (r *Report) axes() (models, checks []string) {
	for _, x := range r.Results {
		if !slices.Contains(models, x.Model) {
			models = append(models, x.Model)
		}
		if !slices.Contains(checks, x.Scenario) {
			checks = append(checks, x.Scenario)
		}
	}
	return models, checks
}

// cell is one verdict of the matrix.
func (r *Report) cell(model, check string) string {
	for _, x := range r.Results {
		if x.Model != model || x.Scenario != check {
			continue
		}
		if x.Survived {
			return "pass"
		}
		reason := "failed"
		if len(x.Failures) > 0 {
			reason = x.Failures[0]
		}
		if len(reason) > 90 {
			reason = reason[:87] + "..."
		}
		return "**FAIL**: " + strings.NewReplacer("|", "/", "\n", " ").Replace(reason)
	}
	return "not run"
}

// limits writes, for each model that failed a scenario, what its library
// does not let it bound (the registry's Bounds): the reason a library
// model cannot pass, with the library's code named.
func (r *Report) limits(w io.Writer) {
	var lines []string
	for _, x := range r.Results {
		e, _, err := servers.LookupSeries(x.Model)
		if x.Survived || err != nil || x.Scenario != "fd-exhaustion" {
			continue
		}
		for _, b := range e.Bounds {
			if strings.HasPrefix(b, "out of descriptors") {
				lines = append(lines, fmt.Sprintf("- **%s**, %s", x.Model, b))
			}
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nWhy a model fails fd-exhaustion, from its Bounds (`loopbench models`):\n\n%s\n", strings.Join(lines, "\n"))
	}
}

// writeKnown writes every difference from net/http the differential
// allows: the shared parser's, each with the RFC section that allows it,
// then the libraries' own.
func writeKnown(w io.Writer) {
	fmt.Fprint(w, "\n## Differences from net/http\n\nThe differential check compares each answer's status class and connection handling with Go's net/http server on the same bytes. "+
		"These differences are allowed: the shared parser's, with the section that allows them, and the libraries' own parsers' (listed in their models' Differences).\n\n"+
		"| kind | models | ours | net/http | section | why |\n|---|---|---|---|---|---|\n")
	for _, k := range httpcheck.KnownDifferences() {
		models := "shared parser"
		if len(k.Models) > 0 {
			models = strings.Join(k.Models, ", ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", k.Kind, models, orAny(k.Ours), orAny(k.Ref), k.Section, strings.ReplaceAll(k.Why, "|", "/"))
	}
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}
