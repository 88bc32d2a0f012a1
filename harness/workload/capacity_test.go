package workload

import (
	"strings"
	"testing"
	"time"

	"loopbench/harness/capacity"
)

// withCapacity is base with a [capacity] section before [quick].
func withCapacity(section string) string {
	return strings.Replace(base, "[quick]", "[capacity]\n"+section+"\n[quick]", 1)
}

func TestCapacitySection(t *testing.T) {
	w, err := Load(writeWorkload(t, "w", withCapacity(`slo = ["p99=5ms", "p50=1ms"]`)))
	if err != nil {
		t.Fatal(err)
	}
	c := w.Capacity
	want := []capacity.Objective{{Percentile: 99, Max: 5 * time.Millisecond}, {Percentile: 50, Max: time.Millisecond}}
	if len(c.Objectives) != 2 || c.Objectives[0] != want[0] || c.Objectives[1] != want[1] {
		t.Errorf("objectives %v, want %v", c.Objectives, want)
	}
	if c.Connections != DefaultCapacityConnections || c.Probes != DefaultCapacityProbes || c.Duration.Duration != DefaultCapacityDuration ||
		c.Warmup.Duration != DefaultCapacityWarmup || c.Resolution != DefaultCapacityResolution || c.Confirm != DefaultCapacityConfirm {
		t.Errorf("defaults not filled: %+v", c)
	}
	p, l := w.ProbeAt(*c, 2500)
	if p.Mode != ModeOpen || p.Open.Rates[0] != 2500 || p.Duration != c.Duration || p.Repetitions != 1 || p.Name != "w" || len(p.Mix) != 2 {
		t.Errorf("probe workload %+v", p)
	}
	if l.Rate != 2500 || l.Connections != c.Connections || w.Mode != ModeClosed {
		t.Errorf("probe level %+v; the workload itself changed to %s", l, w.Mode)
	}
	// A target replaces the mix.
	ct := *c
	ct.Target = "/sleep?ms=10"
	if p, _ := w.ProbeAt(ct, 100); len(p.Mix) != 1 || p.Mix[0].Target != "/sleep?ms=10" || len(w.Mix) != 2 {
		t.Errorf("probe of a target: mix %v (the workload's own: %v)", p.Mix, w.Mix)
	}
	// A sweep of CPU counts is probed on the runner's server CPUs.
	w.Server.CPUCounts, w.Server.CPUs = []int{1, 2}, "all"
	if p, _ := w.ProbeAt(*c, 2500); p.Server.CPUCounts != nil || p.Server.CPUs != "" || len(w.Server.CPUCounts) != 2 {
		t.Errorf("probe of a CPU-count sweep: server %+v (the workload's own: %+v)", p.Server, w.Server)
	}
}

func TestCapacityErrors(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    []string
	}{
		{"no objectives", `connections = 8`, []string{`field "capacity.slo"`, "missing", `slo = ["p99=5ms"]`}},
		{"bad objective", `slo = ["p99"]`, []string{`field "capacity.slo"`, "no '='", `"pNN=DURATION"`}},
		{"a percentile twice", `slo = ["p99=5ms", "p99=6ms"]`, []string{"p99 is bounded twice"}},
		{"connections", "slo = [\"p99=5ms\"]\nconnections = -1", []string{`field "capacity.connections"`, "must be 1.."}},
		{"probes", "slo = [\"p99=5ms\"]\nprobes = 1", []string{`field "capacity.probes"`, "2..100"}},
		{"resolution", "slo = [\"p99=5ms\"]\nresolution = 2", []string{`field "capacity.resolution"`, "(0, 1]"}},
		{"curve", "slo = [\"p99=5ms\"]\ncurve = [0]", []string{`field "capacity.curve"`, "multiples"}},
		{"start", "slo = [\"p99=5ms\"]\nstart = -5", []string{`field "capacity.start"`}},
		{"target", "slo = [\"p99=5ms\"]\ntarget = \"/nope\"", []string{`field "capacity.target"`, "/upstream?ms=10"}},
		{"target needs backend", "slo = [\"p99=5ms\"]\ntarget = \"/upstream?ms=10\"", []string{`field "capacity.target"`, "backend = true"}},
		{"unknown field", "slo = [\"p99=5ms\"]\nprobe = 3", []string{`"capacity.probe"`, "unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeWorkload(t, "w", withCapacity(tt.section)))
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	idle := strings.NewReplacer(`mode = "closed"`, `mode = "idle"`, "[closed]\nconnections = [16, 64]", "[idle]\nconnections = 100\nprobe_connections = 2",
		"connections = [8]", "").Replace(withCapacity(`slo = ["p99=5ms"]`))
	if _, err := Load(writeWorkload(t, "w", idle)); err == nil || !strings.Contains(err.Error(), "no capacity search") {
		t.Errorf("an idle workload with [capacity]: %v", err)
	}
}

// TestCapacityStart checks where a search starts: an open loop's highest
// rate, else the run's closed-loop throughput, else the section's start,
// else a low rate.
func TestCapacityStart(t *testing.T) {
	closed, err := Load(writeWorkload(t, "w", withCapacity("slo = [\"p99=5ms\"]\nstart = 300")))
	if err != nil {
		t.Fatal(err)
	}
	open := *closed
	open.Mode, open.Open = ModeOpen, Open{Rates: []float64{1000}, ShapeRates: []float64{400, 1600}, Connections: 8}
	for _, tt := range []struct {
		w      *Workload
		closed float64
		want   float64
	}{
		{&open, 9000, 1600},  // the open loop's highest rate, shape rates included
		{closed, 9000, 9000}, // the run's closed-loop throughput
		{closed, 0, 300},     // the section's start
		{&Workload{Mode: ModeClosed}, 0, DefaultCapacityStart},
	} {
		if got, why := tt.w.CapacityStart(tt.closed); got != tt.want || why == "" {
			t.Errorf("%s with %v: start %v (%s), want %v", tt.w.Mode, tt.closed, got, why, tt.want)
		}
	}
	if d := DefaultCapacity(&open); d.Connections != 8 || len(d.Objectives) != 0 {
		t.Errorf("an open workload's default section %+v", d)
	}
}
