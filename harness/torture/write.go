package torture

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"loopbench/harness/results"
)

// Write puts the report in dir, which it creates: torture.json (the
// Report), torture.csv (one row per model and scenario), torture.md
// (Markdown, as Markdown prints it) and the chart of the probe's p99
// (ChartName.svg and .png). Each file is written to a temporary
// name first and renamed, so a reader never sees half of one.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	var csvb, md strings.Builder
	if err := r.CSV(&csvb); err != nil {
		return err
	}
	r.Markdown(&md)
	for name, b := range map[string][]byte{"torture.json": append(js, '\n'), "torture.csv": []byte(csvb.String()), "torture.md": []byte(md.String())} {
		if err := results.WriteFileAtomic(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	if err := r.writeChart(dir); err != nil {
		return err
	}
	return r.writeSlowChart(dir)
}

// Read reads a torture.json.
func Read(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %d, this loopbench reads %d", path, r.Schema, Schema)
	}
	return &r, nil
}

var csvHeader = []string{"model", "scenario", "survived", "probe_ok", "probe_failed", "probe_rate", "probe_p99_ms",
	"memory_source", "peak_rss_bytes", "peak_memory_bytes", "peak_kernel_bytes",
	"baseline_fds", "peak_fds", "after_fds", "baseline_threads", "peak_threads", "after_threads", "failures", "notes"}

// CSV writes one row per result.
func (r *Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, x := range r.Results {
		cw.Write([]string{x.Model, x.Scenario, strconv.FormatBool(x.Survived), itoa(x.ProbeOK), itoa(x.ProbeFailed),
			strconv.FormatFloat(x.ProbeRate(), 'f', 4, 64), strconv.FormatFloat(x.ProbeP99Ms, 'f', 2, 64),
			x.Memory, i64(x.PeakRSS), i64(x.PeakMemory), i64(x.PeakKernel),
			itoa(x.BaselineFDs), itoa(x.PeakFDs), itoa(x.AfterFDs), itoa(x.BaselineThreads), itoa(x.PeakThreads), itoa(x.AfterThreads),
			strings.Join(x.Failures, "; "), strings.Join(x.Notes, "; ")})
	}
	cw.Flush()
	return cw.Error()
}

func itoa(n int) string  { return strconv.Itoa(n) }
func i64(n int64) string { return strconv.FormatInt(n, 10) }

// Markdown writes the table of every result, then what each failure and
// note says.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# Torture: hostile clients and faults\n\n")
	fmt.Fprintf(w, "Servers started with `--head-timeout %s` (the default is 10s; shortened so slowloris fits the time budget), "+
		"`--idle-timeout %s` and `--max-unsent %d` (the defaults); scale %g; %s to %s.\n\n",
		r.HeadTimeout, r.IdleTimeout, r.MaxUnsent, r.Scale, r.Start.Format("2006-01-02 15:04:05Z"), r.End.Format("15:04:05Z"))
	fmt.Fprintln(w, "| model | scenario | survived | probe ok | probe p99 | peak memory (kernel) | fds base/peak/after | threads base/peak/after |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, x := range r.Results {
		v := "yes"
		if !x.Survived {
			v = "**no**"
		}
		mem := mib(x.PeakMemory)
		if x.PeakKernel > 0 {
			mem += " (" + mib(x.PeakKernel) + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f%% of %d | %.1f ms | %s | %d/%d/%s | %d/%d/%s |\n", x.Model, x.Scenario, v,
			100*x.ProbeRate(), x.ProbeOK+x.ProbeFailed, x.ProbeP99Ms, mem,
			x.BaselineFDs, x.PeakFDs, after(x.AfterFDs), x.BaselineThreads, x.PeakThreads, after(x.AfterThreads))
	}
	fmt.Fprintln(w, "\nMemory is what the server's own cgroup was charged (user, kernel and socket memory, kernel and socket share in brackets) where the host allows, else the resident set. Threads of Go models do not come back after an attack: Go keeps idle threads.")
	fmt.Fprint(w, "\n## Failures and measurements\n\n")
	for _, x := range r.Results {
		for _, f := range x.Failures {
			fmt.Fprintf(w, "- **%s / %s failed:** %s\n", x.Model, x.Scenario, f)
		}
	}
	for _, x := range r.Results {
		for _, n := range x.Notes {
			fmt.Fprintf(w, "- %s / %s: %s\n", x.Model, x.Scenario, n)
		}
	}
	r.Matrix(w)
}

// after shows a count measured after the attack, or "died".
func after(n int) string {
	if n < 0 {
		return "died"
	}
	return strconv.Itoa(n)
}
