package compare

import (
	"fmt"
	"strings"
	"time"

	"loopbench/harness/results"
)

// DaysApart is the warning for a comparison of two runs that were not
// measured as one A/B run: when each was measured, how far apart, on
// which machines, and what therefore differs besides the code. "" for the
// two sides of one A/B run. A stored run from another day measures that
// day's host (its neighbours, its frequency, its cache) as much as the
// code: the reference host has measured the same server at 46k and 94k
// req/s a minute apart.
func DaysApart(old, new *results.Run, res *Result) string {
	if PairedRuns(old, new) {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "warning: %s and %s are two runs, not the two sides of one A/B run, so this compares days as much as code:\n", or(old.ID), or(new.ID))
	fmt.Fprintf(&b, "  old was measured %s on %s, new %s on %s (%s apart)\n",
		when(old.Started), machine(old.Env), when(new.Started), machine(new.Env), apart(old.Started, new.Started))
	if len(res.EnvChanges) > 0 {
		fmt.Fprintf(&b, "  the environments differ: %s\n", joinChanges(res.EnvChanges))
	} else {
		b.WriteString("  the environments are described alike, but the host's load, frequency and neighbours that day are not recorded\n")
	}
	commit := old.Env.Commit
	if commit == "" {
		commit = "OLD's commit"
	}
	fmt.Fprintf(&b, "  to compare code, measure both builds in one run, pair by pair: loopbench ab --base %s --head HEAD (make compare does)\n", strings.TrimSuffix(commit, "-dirty"))
	return b.String()
}

func when(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return "at " + t.UTC().Format("2006-01-02 15:04 UTC")
}

func machine(e results.Env) string {
	host := e.Host
	if host == "" {
		host = "an unnamed host"
	}
	var parts []string
	if e.CPUModel != "" {
		parts = append(parts, e.CPUModel)
	}
	if e.Cores > 0 {
		parts = append(parts, fmt.Sprintf("%d CPUs", e.Cores))
	}
	if e.Kernel != "" {
		parts = append(parts, "kernel "+e.Kernel)
	}
	if len(parts) == 0 {
		return host
	}
	return host + " (" + strings.Join(parts, ", ") + ")"
}

// apart says how far apart two times are, in the largest sensible unit.
func apart(a, b time.Time) string {
	if a.IsZero() || b.IsZero() {
		return "an unknown time"
	}
	d := b.Sub(a)
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	case d >= 2*time.Hour:
		return fmt.Sprintf("%.0f hours", d.Hours())
	}
	return d.Round(time.Second).String()
}
