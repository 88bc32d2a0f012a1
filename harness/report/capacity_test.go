package report

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

const capacityGolden = "testdata/capacity.golden.md"

// capacityRun is a synthetic run with invented capacity searches, its
// machine's price, and energy read on its host.
func capacityRun() *results.Run {
	run := plottest.Run()
	run.Capacity = plottest.Capacity()
	run.Env.PricePerHour = 0.12
	run.Env.Energy = "read from the RAPL counters of package-0 over each point's window"
	return run
}

// TestCapacitySection renders the report's capacity section from invented
// searches and compares it with its golden file: a table per workload
// (capacity with its interval, per server CPU, cost per million requests,
// energy per request where read) and its chart.
func TestCapacitySection(t *testing.T) {
	var got bytes.Buffer
	opts := Options{ImageBase: "results/x/plots", Plots: []string{"plaintext-capacity"}}
	if err := writeCapacity(&got, analysis.Analyze(capacityRun()), opts); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(capacityGolden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(capacityGolden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("capacity section differs from %s (rerun with -update if the change is intended):\n%s", capacityGolden, diff(t, want, got.Bytes()))
	}
}

// TestCapacityInReport checks that Write adds the section to a run with
// searches, says energy is not exposed where it was not, writes the
// report of a run of searches alone, and adds nothing to a run without.
func TestCapacityInReport(t *testing.T) {
	run := capacityRun()
	run.Env.PricePerHour = 0
	run.Env.Energy = "not exposed on this host: no readable RAPL zone under /sys/class/powercap"
	for i := range run.Capacity {
		for j := range run.Capacity[i].Probes {
			run.Capacity[i].Probes[j].Point.Energy = nil
		}
	}
	var b bytes.Buffer
	if err := Write(&b, analysis.Analyze(run), Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Capacity at a latency objective", "### plaintext at p99=5ms", "no price given", "| not exposed on this host |", "(1 CPU)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	run.Points = nil
	if err := Write(&bytes.Buffer{}, analysis.Analyze(run), Options{}); err != nil {
		t.Errorf("a run of searches alone: %v", err)
	}
	b.Reset()
	if err := Write(&b, analysis.Analyze(plottest.Run()), Options{}); err != nil || strings.Contains(b.String(), "## Capacity") {
		t.Errorf("a run without searches: %v, or a capacity section", err)
	}
}

// TestCapacitySideBySide checks the report of two runs sets their
// searches, costs and ratios side by side.
func TestCapacitySideBySide(t *testing.T) {
	a, b := capacityRun(), capacityRun()
	b.ID, b.Env.PricePerHour = "20260102T040000Z-other", 0.48
	for i := range b.Capacity {
		c := &b.Capacity[i]
		c.Capacity, c.Low, c.High = 2*c.Capacity, 2*c.Low, 2*c.High
	}
	var buf bytes.Buffer
	err := WriteSideBySide(&buf, Side{Analysis: analysis.Analyze(a)}, Side{Analysis: analysis.Analyze(b)})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// eventloop: 40k [37k, 43k] against 80k [74k, 86k], 2× [2·e^−hypot(ln(86/80), ln(40/37)), …];
	// the cost: 4 × the price ÷ 2 × the capacity.
	for _, want := range []string{"## Capacity and cost", "| plaintext | p99=5ms | eventloop | 40k [37k, 43k] | 80k [74k, 86k] | 2× [1.8, 2.22] |", "0.000833 [0.000775, 0.000901] | 0.00167 [0.00155, 0.0018] | 2× [1.8, 2.22] |"} {
		if !strings.Contains(out, want) {
			t.Errorf("side by side lacks %q:\n%s", want, out[strings.Index(out, "## Capacity"):])
		}
	}
}
