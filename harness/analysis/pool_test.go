package analysis

import (
	"math"
	"strings"
	"testing"

	"loopbench/harness/plot/plottest"
)

// TestPool reads the fixture run twice: once as it is and once with
// plaintext's homemade loop 15% dearer. The readings that moved fall out
// of the first run's intervals, the agreement says so, the between-run
// component widens the pooled intervals, and a claim whose verdict moved
// is named.
func TestPool(t *testing.T) {
	a := Analyze(plottest.Run())
	run := plottest.Run()
	for i := range run.Points {
		if p := &run.Points[i]; p.Model == "eventloop" && (p.Workload == "plaintext" || p.Workload == "pipelined") {
			p.CPUPerRequest *= 1.15
		}
	}
	run.ID = "second"
	b := Analyze(run)
	p := Pool([]*Analysis{a, b})
	if p.Pairs == 0 || p.Share() >= 1 || p.Share() <= 0 {
		t.Fatalf("agreement %d of %d", p.Inside, p.Pairs)
	}
	if p.Between <= 0 || p.DF == 0 {
		t.Errorf("between-run sd %v over %d df", p.Between, p.DF)
	}
	var moved Reading
	for _, r := range p.Claims[4].Readings {
		if r.Label == "plaintext 16: eventloop ÷ gnet" {
			moved = r
		}
	}
	one := a.Claims[4].Readings[0].Ratio
	if moved.Ratio.N == 0 || !(moved.Ratio.Hi-moved.Ratio.Lo > one.Hi-one.Lo) || !strings.Contains(moved.Text, "over 2 runs") {
		t.Errorf("pooled %+v (%q) against the first run's %+v", moved.Ratio, moved.Text, one)
	}
	if mid := math.Sqrt(one.Median * one.Median * 1.15); math.Abs(moved.Ratio.Median-mid)/mid > 0.02 {
		t.Errorf("pooled median %v, want the geometric mean of the runs' %v", moved.Ratio.Median, mid)
	}
	// The same run twice agrees with itself everywhere.
	same := Pool([]*Analysis{a, Analyze(plottest.Run())})
	if same.Share() != 1 || len(same.Changed) != 0 || same.Between != 0 {
		t.Errorf("a run pooled with itself: %d of %d, changed %q, between %v", same.Inside, same.Pairs, same.Changed, same.Between)
	}
}
