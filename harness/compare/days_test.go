package compare

import (
	"strings"
	"testing"
	"time"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

func TestDaysApart(t *testing.T) {
	base, head := abRun(6, hostDrift, func(int) float64 { return 1 })
	if w := DaysApart(base, head, &Result{}); w != "" {
		t.Errorf("the sides of one A/B run got a warning: %q", w)
	}
	old, cur := synthetic(6, 1e5, 1), synthetic(6, 1e5, 1)
	old.ID, cur.ID = "old-run", "new-run"
	old.Started = time.Date(2026, 12, 1, 10, 45, 0, 0, time.UTC)
	cur.Started = old.Started.Add(3*24*time.Hour + time.Hour)
	old.Env.Commit = "8e3e210-dirty"
	for _, r := range []*results.Run{old, cur} {
		r.Env.CPUModel, r.Env.Cores = "AMD EPYC", 2
	}
	res, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := DaysApart(old, cur, res)
	for _, want := range []string{"compares days as much as code", "2026-12-01 10:45 UTC on vm (AMD EPYC, 2 CPUs)", "(3 days apart)", "described alike", "loopbench ab --base 8e3e210 --head HEAD"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q:\n%s", want, w)
		}
	}
}
