package report

import (
	"strings"
	"testing"

	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

// TestClaims changes the fixture run and checks the verdict each claim
// reaches, and that the deciding text says why.
func TestClaims(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(p *results.Point) bool // false drops the point
		claim int
		want  Verdict
		text  string
	}{
		// The fixture as it is: the pool fixes the blocked /plaintext.
		{"fixture blocking", nil, 2, Confirmed, "/plaintext p99"},
		// A server pinned to one CPU cannot show threads using more cores.
		{"one cpu", func(p *results.Point) bool {
			p.ServerCPUs = "1"
			return true
		}, 3, Inconclusive, "the server had 1 CPU"},
		// Without the mixed workload there is nothing to decide claim 3 on.
		{"no mixed", func(p *results.Point) bool { return p.Workload != "mixed" }, 2, NotMeasured, ""},
		// Loops that use more memory per connection than threads refute claim 1.
		{"fat loops", func(p *results.Point) bool {
			if p.Model != "threaded" && (p.Workload == "c10k" || p.Workload == "io-sleep") {
				p.Server.RSS += int64(p.Connections+p.IdleConnections) * 100 << 10
			}
			return true
		}, 0, Refuted, "against threaded"},
		// A homemade loop twice as costly as every other loop refutes claim 5.
		{"slow homemade", func(p *results.Point) bool {
			if p.Model == "eventloop" && p.Workload == "plaintext" {
				p.CPUPerRequest = 30
			}
			return true
		}, 4, Refuted, "eventloop 30 µs per request"},
		// A failed threaded point at the top level is a reading for claim 2.
		{"threaded fails", nil, 1, Inconclusive, "threaded failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := plottest.Run()
			if tt.edit != nil {
				var kept []results.Point
				for _, p := range run.Points {
					if tt.edit(&p) {
						kept = append(kept, p)
					}
				}
				run.Points = kept
			}
			c := Claims(run)[tt.claim]
			var text []string
			for _, r := range c.Readings {
				text = append(text, r.Text)
			}
			joined := strings.Join(text, "\n")
			if c.Verdict != tt.want || !strings.Contains(joined, tt.text) {
				t.Errorf("claim %d: %s with readings\n%s\nwant %s and %q", tt.claim+1, c.Verdict, joined, tt.want, tt.text)
			}
		})
	}
}

// TestCPUCount reads Linux CPU lists.
func TestCPUCount(t *testing.T) {
	tests := []struct {
		list string
		want int
	}{
		{"1", 1},       // one CPU
		{"0-1", 2},     // a range
		{"0,2-3", 3},   // a list of ranges
		{"", 0},        // unknown
		{"3-1", 0},     // backwards: unreadable
		{"cpu0", 0},    // not a list
		{" 0-3 ", 4},   // surrounding space
		{"0-1,4", 3},   // range then single
		{"0-1,x", 0},   // a bad part spoils the list
		{"7", 1},       // any single CPU
		{"0-63", 64},   // a big host
		{"2-2", 1},     // a one-CPU range
		{"0,1,2,3", 4}, // singles
	}
	for _, tt := range tests {
		if got := cpuCount(tt.list); got != tt.want {
			t.Errorf("cpuCount(%q) = %d, want %d", tt.list, got, tt.want)
		}
	}
}
