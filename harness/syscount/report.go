package syscount

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"loopbench/harness/results"
)

// ReportFile is the name of the counts in a run's directory.
const ReportFile = "syscalls.json"

// Report is what `loopbench syscalls` writes (syscalls.json): the system
// calls per answered request of each series at each level, counted by the
// kernel's tracepoints over a short load of its own (never the measured
// points': those run under no counter). One row per series and level.
type Report struct {
	Schema   int     `json:"schema"`
	Kernel   string  `json:"kernel"`
	Route    string  `json:"route"`
	Duration float64 `json:"duration_s"`
	Rows     []Row   `json:"rows"`
}

// Row is one series at one level.
type Row struct {
	Series      string `json:"series"`  // model or model/variant
	Backend     string `json:"backend"` // the stats file's, for models with loops ("epoll", "io_uring")
	Connections int    `json:"connections"`
	Pipeline    int    `json:"pipeline"`
	Requests    int64  `json:"requests"`
	Errors      int64  `json:"errors"`
	Syscalls    int64  `json:"syscalls"`
	// PerRequest is Syscalls / Requests; ByCall the same for each call
	// counted alone, and "other" for the calls not counted alone.
	PerRequest float64            `json:"per_request"`
	ByCall     map[string]float64 `json:"by_call"`
	// NotCounted are calls perf could not count alone: in "other".
	NotCounted []string `json:"not_counted,omitempty"`
}

// WriteReport writes rep as JSON to path, atomically.
func WriteReport(path string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := results.WriteFileAtomic(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("syscalls: %s: %w", path, err)
	}
	return nil
}

// ReadReport reads a Report written by WriteReport; a missing file is
// os.ErrNotExist, a damaged one an error naming it.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rep.Schema != 1 {
		return nil, fmt.Errorf("%s: schema %d, want 1 (written by another version of loopbench syscalls)", path, rep.Schema)
	}
	return &rep, nil
}

// Columns are the calls a table shows: each that makes at least 0.01 per
// request in some row, by name, then the rest as "other".
func (rep *Report) Columns() []string {
	var calls []string
	for _, r := range rep.Rows {
		for c, v := range r.ByCall {
			if c != "other" && v >= 0.01 && !slices.Contains(calls, c) {
				calls = append(calls, c)
			}
		}
	}
	slices.Sort(calls)
	return append(calls, "other")
}

// Table prints calls per request: in all, then each of Columns.
func (rep *Report) Table(w io.Writer) {
	calls := rep.Columns()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "series\tbackend\tlevel\trequests\tcalls/req\t%s\t\n", strings.Join(calls, "\t"))
	for _, r := range rep.Rows {
		level := strconv.Itoa(r.Connections)
		if r.Pipeline > 1 {
			level += "x" + strconv.Itoa(r.Pipeline)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.3f", r.Series, cmp.Or(r.Backend, "-"), level, r.Requests, r.PerRequest)
		for _, c := range calls {
			fmt.Fprintf(tw, "\t%.3f", r.ByCall[c])
		}
		fmt.Fprintln(tw, "\t")
	}
	tw.Flush()
}
