package compare

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/capacity"
	"loopbench/harness/results"
)

// search is a stored search with two probes on cpus server CPUs, one
// passing and one failing.
func search(workload, model string, c, lo, hi float64, cpus string) results.Capacity {
	probe := func(rate float64, pass bool) results.Probe {
		return results.Probe{Phase: results.PhaseBisect, Held: pass, Met: pass,
			Point: results.Point{Workload: workload, Model: model, Variant: "default", Mode: "open", Rate: rate, ServerCPUs: cpus}}
	}
	return results.Capacity{Workload: workload, Model: model, Variant: "default", Objectives: []string{"p99=5ms"},
		Capacity: c, Low: lo, High: hi, Probes: []results.Probe{probe(lo, true), probe(hi, false)}}
}

// machineRuns are two stored runs of two machines with capacity searches
// and prices: a 2-CPU VM at 0.10 an hour and an 8-CPU one at 0.34, whose
// server had 4 CPUs. threaded was searched on the first alone; node's
// search on the second found only a lower bound (client-bound).
func machineRuns() (a, b *results.Run) {
	a = synthetic(6, 1e5, 1)
	a.ID = "20261201T100000Z-small"
	a.Env.Host, a.Env.Cores, a.Env.PricePerHour = "small", 2, 0.10
	a.Env.Energy = "not exposed on this host: no readable RAPL zone under /sys/class/powercap"
	a.Capacity = []results.Capacity{search("plaintext", "eventloop", 40_000, 38_000, 42_000, "1"),
		search("plaintext", "threaded", 30_000, 27_000, 31_000, "1"), search("plaintext", "node", 20_000, 19_000, 21_500, "1")}
	b = synthetic(6, 1e5, 1)
	b.ID = "20261201T110000Z-large"
	b.Env.Host, b.Env.Cores, b.Env.ServerCPUs, b.Env.PricePerHour = "large", 8, "4-7", 0.34
	b.Env.Energy = "read from the RAPL counters of package-0"
	eb := search("plaintext", "eventloop", 120_000, 110_000, 128_000, "4-7")
	eb.Probes[0].Point.Requests = 1000
	eb.Probes[0].Point.Energy = &results.Energy{Joules: 25, Zones: []string{"package-0"}}
	nb := search("plaintext", "node", 60_000, 60_000, 60_000, "4-7")
	nb.Bound, nb.Limit = capacity.AtLeast, "the load generator could go no faster than about 60000 req/s"
	b.Capacity = []results.Capacity{eb, nb}
	return a, b
}

// TestCapacityPairs sets two machines' searches side by side: capacity,
// per CPU, cost per million requests, the ratios with their MOVER
// intervals, the bounds carried through, a search only one run made.
func TestCapacityPairs(t *testing.T) {
	a, b := machineRuns()
	ps := CapacityOf(a, b).Pairs
	if len(ps) != 3 || ps[0].Series != "eventloop" || ps[1].B != nil || ps[2].Series != "node" {
		t.Fatalf("pairs %+v", ps)
	}
	e := ps[0]
	near := func(got, want float64) bool { return math.Abs(got/want-1) < 1e-3 }
	// 120k/40k = 3; down: hypot(ln(120/110), ln(42/40)); up: hypot(ln(128/120), ln(40/38)).
	if !near(e.Ratio.Value, 3) || !near(e.Ratio.Low, 2.7152) || !near(e.Ratio.High, 3.2576) {
		t.Errorf("capacity ratio %+v, want 3 [2.715, 3.258]", e.Ratio)
	}
	// 0.10 ÷ (40k × 3600) × 10⁶ and 0.34 ÷ (120k × 3600) × 10⁶; their ratio 3.4 ÷ 3.
	if !near(e.A.Cost.Value, 0.10/(40_000*3600)*1e6) || !near(e.B.Cost.Value, 0.34/(120_000*3600)*1e6) || !near(e.B.Cost.Low, 0.34/(128_000*3600)*1e6) {
		t.Errorf("costs %+v and %+v", e.A.Cost, e.B.Cost)
	}
	if !near(e.CostRatio.Value, 3.4/3) || !near(e.CostRatio.Low, 3.4/3.2576) || !near(e.CostRatio.High, 3.4/2.7152) {
		t.Errorf("cost ratio %+v, want 1.133 [1.044, 1.252]", e.CostRatio)
	}
	if e.B.CPUs != 4 || !near(e.B.PerCPU.Value, 30_000) || e.B.Energy != "0.025 J/req" || e.A.Energy != capacity.NotExposed {
		t.Errorf("B per CPU %v on %d CPUs, energy %q and %q", e.B.PerCPU, e.B.CPUs, e.B.Energy, e.A.Energy)
	}
	if n := ps[2]; n.Ratio.Bound != capacity.AtLeast || n.Ratio.String() == "–" || n.CostRatio.Bound != "≤" {
		t.Errorf("node: ratio %+v, cost ratio %+v; want ≥ and ≤ bounds", n.Ratio, n.CostRatio)
	}
}

// TestGoldenCapacity writes a comparison of two machines' runs, with their
// capacities and costs side by side, in every format.
func TestGoldenCapacity(t *testing.T) {
	a, b := machineRuns()
	res, err := Compare(analysis.Analyze(a), analysis.Analyze(b), Options{AllowEnvChange: true})
	if err != nil {
		t.Fatal(err)
	}
	res.Capacity = CapacityOf(a, b)
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := WriteMachines(&buf, res, MachinesOf(a, b), format); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "capacity-"+format+".golden"), buf.String())
		if format == "json" {
			var out struct{ Capacity []jsonCapacity }
			if err := json.Unmarshal(buf.Bytes(), &out); err != nil || len(out.Capacity) != 3 || out.Capacity[0].Ratio == nil {
				t.Errorf("json: %v, %+v", err, out.Capacity)
			}
		}
	}
	var buf bytes.Buffer
	res.Capacity = nil
	WriteMachines(&buf, res, MachinesOf(a, b), "text")
	if strings.Contains(buf.String(), "capacity") {
		t.Error("a comparison without searches wrote a capacity table")
	}
}
