package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"loopbench/harness/results"
)

// TestReplacement decides from a level's points whether another block is due.
func TestReplacement(t *testing.T) {
	// pts makes the points of series "a" and "b" from one letter per
	// repetition each: u usable, p partial, f failed.
	pts := func(a, b string) []*results.Point {
		var ps []*results.Point
		for model, reps := range map[string]string{"a": a, "b": b} {
			for rep, c := range reps {
				p := &results.Point{Model: model, Rep: rep, Failed: c == 'f'}
				if c == 'p' {
					p.Validity.Status = results.Partial
				}
				ps = append(ps, p)
			}
		}
		return ps
	}
	for _, tc := range []struct {
		name                  string
		a, b                  string
		planned, extra, limit int
		want                  bool
		why                   string
	}{
		{"all complete", "uuuuuu", "uuuuuu", 6, 0, 2, false, ""},
		{"one partial", "uuupuu", "uuuuuu", 6, 0, 2, true, "block 4 (a)"},
		{"one failed each", "fuuuuu", "uuuuuf", 6, 0, 2, true, "block 1 (a), block 6 (b)"},
		{"replaced already", "uuupuuu", "uuuuuuu", 6, 1, 2, false, ""},
		{"replacement partial too", "uuupuup", "uuuuuuu", 6, 1, 2, true, "block 4 (a), block 7 (a)"},
		{"limit reached", "uuupuupp", "uuuuuuuu", 6, 2, 2, false, ""},
		{"no replacing", "uuupuu", "uuuuuu", 6, 0, 0, false, ""},
		{"cannot hold the level", "pppppu", "uuuuuu", 6, 0, 2, false, ""},
		{"cannot hold, and one sporadic", "pppppu", "uupuuu", 6, 0, 2, true, "block 3 (b)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			need, why := replacement(pts(tc.a, tc.b), tc.planned, tc.extra, tc.limit)
			if need != tc.want || why != tc.why {
				t.Errorf("replacement = %v %q, want %v %q", need, why, tc.want, tc.why)
			}
		})
	}
}

// TestRunReplacesIncompleteBlocks runs a model that crashes at its first
// start beside a good one: the run measures one more block of the level,
// keeps the failed point, and says so; a model that always crashes earns
// no block.
func TestRunReplacesIncompleteBlocks(t *testing.T) {
	cfg := testConfig(t, testWorkload(t, ""), modelGood, modelFlaky, modelCrashy)
	t.Setenv(flakyEnv, t.TempDir())
	cfg.Duration = time.Second
	cfg.Replace = 2
	var extra []time.Duration
	cfg.OnExtra = func(d []time.Duration) { extra = append(extra, d...) }
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.answerTimeout = time.Second
	run, _, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range run.Points {
		state := "ok"
		if p.Failed {
			state = "failed"
		}
		got[p.Model] = append(got[p.Model], state)
	}
	want := map[string]string{
		modelGood:   "ok ok ok",
		modelFlaky:  "failed ok ok",
		modelCrashy: "failed failed failed",
	}
	for m, w := range want {
		if g := strings.Join(got[m], " "); g != w {
			t.Errorf("%s: points %q, want %q", m, g, w)
		}
	}
	if len(extra) != 3 {
		t.Errorf("OnExtra got %d points, want the 3 of one block", len(extra))
	}
	notes := strings.Join(run.Env.Notes, "\n")
	if !strings.Contains(notes, "block 1 (flaky)") || !strings.Contains(notes, "measuring block 3 (1 of at most 2 extra)") {
		t.Errorf("notes lack the replacement:\n%s", notes)
	}
}
