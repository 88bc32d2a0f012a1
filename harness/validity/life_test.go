package validity

import (
	"strings"
	"testing"

	"loopbench/harness/results"
)

// quarters builds an open loop's schedule from mean latencies and send
// lags by quarter (µs), offering 1000 req/s and completing done.
func schedule(done float64, lat, lag [4]float64) *results.Schedule {
	s := &results.Schedule{Offered: 1000, Completed: done}
	for i := range 4 {
		s.Quarters = append(s.Quarters, results.Quarter{Requests: 250, Latency: lat[i], SendLag: lag[i]})
	}
	return s
}

// TestHoldsRate: an open loop that fell behind its schedule is partial,
// whether its completions fell short, its latency climbed through the
// window, or its send lag did; a steady one, or one with a single stall,
// holds its rate.
func TestHoldsRate(t *testing.T) {
	steady := [4]float64{900, 1100, 950, 1000}
	tests := []struct {
		name  string
		mode  string
		sched *results.Schedule
		want  string // in the reason; "" for held
	}{
		{"steady", "open", schedule(1000, steady, [4]float64{}), ""},
		{"one stall", "open", schedule(990, [4]float64{900, 40_000, 950, 1000}, [4]float64{}), ""},
		{"a small rise", "open", schedule(1000, [4]float64{900, 1000, 1100, 1700}, [4]float64{}), ""},
		// The case: /cpu at its capacity, the queue growing
		// through the window, and no request timed out.
		{"a queue that grows", "open", schedule(985, [4]float64{300_000, 900_000, 1_500_000, 2_100_000}, [4]float64{}), "latency rose"},
		{"completions short", "open", schedule(900, steady, [4]float64{}), "completed 900 req/s of the 1000 offered"},
		{"send lag grows", "open", schedule(1000, steady, [4]float64{100, 8000, 20000, 40000}), "send lag rose"},
		{"a trace may rise", "replay", schedule(1000, [4]float64{300_000, 900_000, 1_500_000, 2_100_000}, [4]float64{}), ""},
		{"a trace must complete", "replay", schedule(800, steady, [4]float64{}), "completed 800"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &results.Point{Mode: tt.mode, Requests: 1000, Throughput: 1000, Schedule: tt.sched}
			v := Check(p, Counters{})
			reasons := strings.Join(v.Reasons, "; ")
			switch {
			case tt.want == "" && (v.Status != results.Valid || !p.Schedule.Held):
				t.Errorf("status %s (held %v): %s", v.Status, p.Schedule.Held, reasons)
			case tt.want != "" && (v.Status != results.Partial || p.Schedule.Held || !strings.Contains(reasons, tt.want) || !strings.Contains(reasons, "did not hold its rate")):
				t.Errorf("status %s (held %v): %q, want %q", v.Status, p.Schedule.Held, reasons, tt.want)
			}
		})
	}
}

// TestRetransmitsAndLife: retransmits in a loopback point's window mark
// it, and so does what the kernel counted outside the window, leaving it
// valid; a remote point is not marked for retransmits; a burst is judged by
// none of it.
func TestRetransmitsAndLife(t *testing.T) {
	tests := []struct {
		name         string
		mode, server string
		window, life Counters
		status       string
		reason, mark string
	}{
		{"quiet", "closed", "", Counters{}, Counters{}, results.Valid, "", ""},
		{"retransmits in the window", "closed", "", Counters{RetransSegs: 12}, Counters{RetransSegs: 12}, results.Valid, "", "retransmitted 12 segments"},
		{"remote retransmits", "closed", "srv", Counters{RetransSegs: 12}, Counters{RetransSegs: 12}, results.Valid, "", ""},
		{"overflows while admitting", "closed", "", Counters{}, Counters{ListenOverflows: 300, ListenDrops: 300, SynRetrans: 40, RetransSegs: 40}, results.Valid, "", "300 listen-queue overflows"},
		{"a burst", "burst", "", Counters{ListenOverflows: 9, RetransSegs: 9}, Counters{ListenOverflows: 9, RetransSegs: 9}, results.Valid, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &results.Point{Mode: tt.mode, ServerHost: tt.server, Connections: 4, Requests: 100, Throughput: 100}
			Validate(p, Kernel{Window: &tt.window, Life: &tt.life})
			v := p.Validity
			if v.Status != tt.status || !strings.Contains(strings.Join(v.Reasons, ";"), tt.reason) {
				t.Errorf("status %s, reasons %q", v.Status, v.Reasons)
			}
			if marks := strings.Join(v.Marks, ";"); (tt.mark == "") != (marks == "") || !strings.Contains(marks, tt.mark) {
				t.Errorf("marks %q, want %q", marks, tt.mark)
			}
			if v.Life == nil || v.Life.ListenOverflows != tt.life.ListenOverflows {
				t.Errorf("life counters %+v", v.Life)
			}
		})
	}
}
