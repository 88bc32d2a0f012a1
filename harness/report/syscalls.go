package report

import (
	"fmt"
	"strings"

	"loopbench/harness/figures"
	"loopbench/harness/syscount"
)

// syscallTable is the table of system calls per answered request: a row per
// series and level, the calls that make at least 0.01 per request in some
// row as columns.
type syscallTable struct {
	Header, Align string
	Rows          []string
	Route, Kernel string
	Duration      string
}

// syscallRows builds the table from the counts, nil without them.
func syscallRows(rep *syscount.Report) *syscallTable {
	if rep == nil || len(rep.Rows) == 0 {
		return nil
	}
	calls := rep.Columns()
	t := &syscallTable{Route: rep.Route, Kernel: rep.Kernel, Duration: figures.Num(rep.Duration) + " s",
		Header: "| series | backend | level | requests | calls per request | " + strings.Join(calls, " | ") + " |",
		Align:  "|---|---|--:|--:|--:|" + strings.Repeat("--:|", len(calls))}
	for _, r := range rep.Rows {
		level := fmt.Sprint(r.Connections)
		if r.Pipeline > 1 {
			level += fmt.Sprintf(" × %d pipelined", r.Pipeline)
		}
		cells := []string{r.Series, cmpOr(r.Backend, "–"), level, fmt.Sprint(r.Requests), figures.Sig3(r.PerRequest)}
		for _, c := range calls {
			cells = append(cells, figures.Sig3(r.ByCall[c]))
		}
		t.Rows = append(t.Rows, "| "+strings.Join(cells, " | ")+" |")
	}
	return t
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
