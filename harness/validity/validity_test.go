package validity

import (
	"strings"
	"testing"

	"loopbench/harness/results"
)

var fixtures = Paths{Netstat: "testdata/netstat", SNMP: "testdata/snmp", Stat: "testdata/stat"}

func TestReadCountersFixture(t *testing.T) {
	c, err := ReadCounters(fixtures, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	want := Counters{ListenOverflows: 7, ListenDrops: 9, TCPTimeouts: 11, RetransSegs: 13, Steal: 33, Total: 500}
	if c != want {
		t.Errorf("ReadCounters = %+v, want %+v", c, want)
	}
	all, err := ReadCounters(fixtures, nil)
	if err != nil || all.Steal != 35 || all.Total != 1000 {
		t.Errorf("every CPU: steal %d of %d, %v; want 35 of 1000", all.Steal, all.Total, err)
	}
	if _, err := ReadCounters(Paths{Netstat: "testdata/stat", SNMP: fixtures.SNMP, Stat: fixtures.Stat}, nil); err == nil || !strings.Contains(err.Error(), "testdata/stat") {
		t.Errorf("a file without TcpExt: %v, want an error naming it", err)
	}
}

func TestReadCountersLive(t *testing.T) {
	if _, err := ReadCounters(ProcPaths, []int{0}); err != nil {
		t.Skip("this host's /proc cannot be read:", err)
	}
}

// closed is a closed-loop point at 100 connections that held all of them,
// with Little's law exact: 10,000 req/s × 10 ms = 100 in flight.
func closed() *results.Point {
	return &results.Point{Mode: "closed", Connections: 100, Requests: 40000, Throughput: 10000,
		Latency: results.Latency{Mean: 10000}, Server: results.Usage{FDs: 108}}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*results.Point, *Counters)
		reason string // "" for a valid point, else a part of the one reason
	}{
		{"valid", func(*results.Point, *Counters) {}, ""},
		{"a server that accepts at most N connections", func(p *results.Point, _ *Counters) { p.Server.FDs = 40 }, "held at most 40 descriptors for 100 connections"},
		{"fewer in flight than the level keeps", func(p *results.Point, _ *Counters) { p.Latency.Mean = 5000 }, "0.50× the 100"},
		{"warm-up requests counted in the window", func(p *results.Point, _ *Counters) { p.Latency.Mean = 11500 }, "1.15×"},
		{"within Little's tolerance", func(p *results.Point, _ *Counters) { p.Latency.Mean = 10900 }, ""},
		{"pipelined depth counts", func(p *results.Point, _ *Counters) { p.Pipeline = 16; p.Latency.Mean = 160000 }, ""},
		{"measured in flight, accounted for by the latencies", func(p *results.Point, _ *Counters) { p.Latency.Mean, p.InFlight = 9500, 99 }, ""},
		{"measured in flight short of the level", func(p *results.Point, _ *Counters) { p.InFlight, p.Latency.Mean = 62, 6200 }, "requests in flight averaged 62 over the window, 0.62× the 100"},
		{"requests unanswered through the window's end", func(p *results.Point, _ *Counters) { p.InFlight, p.Latency.Mean = 100, 8000 }, "0.80× the 100 requests in flight over the window: requests waited unanswered"},
		{"requests that waited from before the window", func(p *results.Point, _ *Counters) { p.InFlight, p.Latency.Mean = 100, 11600 }, "1.16× the 100 requests in flight over the window: requests answered in it had waited"},
		{"idle connections never answered", func(p *results.Point, _ *Counters) {
			p.Mode, p.IdleConnections, p.IdleHeld, p.NotReady, p.AdmissionWait, p.Server.FDs = "idle", 1000, 1000, 250, 10, 1010
		}, "250 of 1000 idle connections had no answer to their one request 10.0 s after"},
		{"connections never answered", func(p *results.Point, _ *Counters) { p.NotReady, p.AdmissionWait = 30, 5 }, "30 of 100 connections had not completed a request when the window opened (admission waited 5.0 s"},
		{"errors", func(p *results.Point, _ *Counters) { p.Errors = map[string]int64{"timeout": 800} }, "800 of 40800 requests failed"},
		{"few errors", func(p *results.Point, _ *Counters) { p.Errors = map[string]int64{"timeout": 4} }, ""},
		{"listen queue overflowed", func(_ *results.Point, k *Counters) { k.ListenOverflows = 3 }, "3 listen-queue overflows"},
		{"stolen CPU", func(_ *results.Point, k *Counters) { k.Steal, k.Total = 20, 100 }, "stole 20%"},
		{"idle connections dropped", func(p *results.Point, _ *Counters) {
			p.Mode, p.IdleConnections, p.IdleHeld = "idle", 1000, 700
		}, "held 700 of 1000 idle connections"},
		{"open loops do not hold a fixed count in flight", func(p *results.Point, _ *Counters) {
			p.Mode, p.Latency.Mean, p.Server.FDs = "open", 100, 10
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, k := closed(), Counters{Total: 1000}
			tt.edit(p, &k)
			v := Check(p, k)
			switch {
			case tt.reason == "" && v.Status != results.Valid:
				t.Errorf("status %s %q, want valid", v.Status, v.Reasons)
			case tt.reason != "" && (v.Status != results.Partial || len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], tt.reason)):
				t.Errorf("status %s %q, want partial for %q", v.Status, v.Reasons, tt.reason)
			}
		})
	}
}

// TestValidate covers what Validate adds to Check: a failed point, counters
// that could not be read, and the reasons of a merge.
func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		failed  bool
		kernel  *Counters
		reasons []string
		status  string
		counted bool // the kernel's counters are in the validity
	}{
		{name: "a failed point stays failed", failed: true, kernel: &Counters{}, status: results.Failed, counted: false},
		{name: "counters read", kernel: &Counters{}, status: results.Valid, counted: true},
		{name: "counters not read: nothing said of them", status: results.Valid},
		{name: "a merge's reason makes it partial", kernel: &Counters{}, reasons: []string{"windows apart"}, status: results.Partial, counted: true},
	}
	for _, tt := range tests {
		p := &results.Point{Mode: "open", Failed: tt.failed, FailReason: "crashed"}
		Validate(p, Kernel{Window: tt.kernel}, tt.reasons...)
		if p.Validity.Status != tt.status || (p.Validity.Kernel != nil) != tt.counted {
			t.Errorf("%s: validity %+v", tt.name, p.Validity)
		}
		if tt.reasons != nil && !strings.Contains(strings.Join(p.Validity.Reasons, ";"), tt.reasons[0]) {
			t.Errorf("%s: reasons %q lack %q", tt.name, p.Validity.Reasons, tt.reasons[0])
		}
	}
}
