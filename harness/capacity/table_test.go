package capacity

import (
	"strings"
	"testing"

	"loopbench/harness/results"
)

// TestIdleFailures checks the note on searches whose failing probes left
// the server's CPU mostly idle.
func TestIdleFailures(t *testing.T) {
	probe := func(pass bool, tput, cpuUS float64) results.Probe {
		return results.Probe{Phase: results.PhaseBisect, Held: pass, Met: pass,
			Point: results.Point{Throughput: tput, CPUPerRequest: cpuUS, ServerCPUs: "1"}}
	}
	for _, tc := range []struct {
		name   string
		probes []results.Probe
		want   string // "" for no note
	}{
		{"failed idle", []results.Probe{probe(true, 8000, 40), probe(false, 18600, 25), probe(false, 18400, 18)}, "in the 2 probes that failed the server's CPUs were at most 46% busy"},
		{"failed busy", []results.Probe{probe(true, 8000, 40), probe(false, 18600, 50)}, ""},
		{"none failed", []results.Probe{probe(true, 8000, 40)}, ""},
		{"curve only", []results.Probe{probe(true, 8000, 40), {Phase: results.PhaseCurve, Point: results.Point{Throughput: 100, CPUPerRequest: 1, ServerCPUs: "1"}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := note(&results.Capacity{Probes: tc.probes})
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("note %q, want %q", got, tc.want)
			}
		})
	}
}
