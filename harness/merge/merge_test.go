package merge

import (
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/loadgen"
	"loopbench/harness/results"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// part is a generator's closed-loop point with latencies values (µs), on
// route /plaintext, measured over [start, end) after t0.
func part(t *testing.T, host string, start, end time.Duration, values ...int64) (Part, *hdr.Histogram) {
	t.Helper()
	h := results.NewHistogram()
	for _, v := range values {
		h.RecordValue(v)
	}
	l, err := results.Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(values))
	p := results.Point{Mode: "closed", Pipeline: 1, Connections: 2, Requests: n, Throughput: float64(n) / (end - start).Seconds(),
		Latency: l, Routes: []results.RouteStats{{Route: "/plaintext", Requests: n, Latency: l}},
		Status: map[string]int64{"200": n}, Errors: map[string]int64{"timeout": 1},
		Client: results.Client{CPUUser: 0.5, Utilization: 0.4}}
	return Part{Output: loadgen.Output{Point: p, Generator: results.Generator{Host: host, WindowStart: t0.Add(start), WindowEnd: t0.Add(end)}}}, h
}

// TestHistogramsAdd: the merged histogram is the sum of the parts', bucket
// for bucket, and the counts add.
func TestHistogramsAdd(t *testing.T) {
	a, ha := part(t, "a", 0, time.Second, 100, 200, 300, 5000)
	b, hb := part(t, "b", 0, time.Second, 150, 250, 90000)
	b.Point.ClientBound = true
	p, reasons, err := Points([]Part{a, b})
	if err != nil || len(reasons) > 0 {
		t.Fatalf("merge: %v %v", err, reasons)
	}
	want := results.NewHistogram()
	want.Merge(ha)
	want.Merge(hb)
	got, err := results.DecodeHistogram(p.Latency.Histogram)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(want) {
		t.Errorf("merged histogram differs from the sum of the parts'")
	}
	route, _ := results.DecodeHistogram(p.Routes[0].Latency.Histogram)
	if len(p.Routes) != 1 || !route.Equals(want) || p.Routes[0].Requests != 7 {
		t.Errorf("routes: %+v", p.Routes)
	}
	switch {
	case p.Requests != 7, p.Latency.Count != 7, p.Connections != 4, p.Status["200"] != 7, p.Errors["timeout"] != 2:
		t.Errorf("counts: requests %d, latency count %d, connections %d, status %v, errors %v", p.Requests, p.Latency.Count, p.Connections, p.Status, p.Errors)
	case p.Throughput != 7 || p.Client.CPUUser != 1 || p.Client.Utilization != 0.4 || !p.ClientBound:
		t.Errorf("throughput %g, client %+v, client-bound %v; want 7, CPU 1 s, utilization the most (0.4), bound as one part was", p.Throughput, p.Client, p.ClientBound)
	case len(p.Clients) != 2 || p.Clients[1].Host != "b" || p.Clients[0].Latency.Histogram != "":
		t.Errorf("clients: %+v", p.Clients)
	}
}

// TestOutput: the merge's answer has the load generators' shape, their
// joint span and their own counts added.
func TestOutput(t *testing.T) {
	a, _ := part(t, "a", 0, time.Second, 100)
	b, _ := part(t, "b", 10*time.Millisecond, 1010*time.Millisecond, 200)
	a.Reconnects, a.Offered, b.Reconnects, b.Offered = 2, 100, 3, 90
	p, _, err := Points([]Part{a, b})
	if err != nil {
		t.Fatal(err)
	}
	out := Output(p, []Part{a, b})
	if out.Reconnects != 5 || out.Offered != 190 || !out.WindowStart.Equal(t0) || out.WindowEnd.Sub(out.WindowStart) != 1010*time.Millisecond || out.Point.Requests != 2 {
		t.Errorf("merged output %+v", out)
	}
}

func TestSimultaneity(t *testing.T) {
	tests := []struct {
		name       string
		startB     time.Duration // b's window start; both last 1 s
		offsetB    time.Duration // b's clock ahead of the coordinator's
		clocked    bool
		wantReason string // "" for a valid merge
	}{
		{"together", 10 * time.Millisecond, 0, true, ""},                                    // 99% overlap
		{"half apart", 500 * time.Millisecond, 0, false, "overlap for 500ms of their 1.5s"}, // refused
		{"disjoint", 3 * time.Second, 0, false, "overlap for 0s"},
		{"skewed clock, placed back", 40 * time.Millisecond, 40 * time.Millisecond, true, "clock of b is 40ms off"}, // windows fine once corrected, clock not
		{"unclocked windows compared as given", 20 * time.Millisecond, 0, false, ""},                                // 98%
	}
	for _, tt := range tests {
		a, _ := part(t, "a", 0, time.Second, 100)
		b, _ := part(t, "b", tt.startB, tt.startB+time.Second, 100)
		a.Clocked, b.Clocked, b.ClockOffset = tt.clocked, tt.clocked, tt.offsetB
		_, reasons, err := Points([]Part{a, b})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := strings.Join(reasons, "; ")
		if (tt.wantReason == "") != (got == "") || !strings.Contains(got, tt.wantReason) {
			t.Errorf("%s: reasons %q, want %q", tt.name, got, tt.wantReason)
		}
	}
}

func TestUnmergeable(t *testing.T) {
	a, _ := part(t, "a", 0, time.Second, 100)
	b, _ := part(t, "b", 0, time.Second, 100)
	b.Point.Mode = "open"
	if _, _, err := Points([]Part{a, b}); err == nil || !strings.Contains(err.Error(), "only the parts of one load merge") {
		t.Errorf("different modes: %v", err)
	}
	c, _ := part(t, "c", 0, time.Second, 100)
	c.Point.Latency.Histogram = ""
	if _, _, err := Points([]Part{a, c}); err == nil || !strings.Contains(err.Error(), "no histogram") {
		t.Errorf("a part without its histogram: %v", err)
	}
	d, _ := part(t, "d", 0, time.Second, 100)
	d.WindowEnd = time.Time{}
	if _, _, err := Points([]Part{a, d}); err == nil || !strings.Contains(err.Error(), "no measured window") {
		t.Errorf("a part without its window: %v", err)
	}
}

// TestConnectAndScheduleAdd: the parts' connection establishments and
// open-loop schedules add up.
func TestConnectAndScheduleAdd(t *testing.T) {
	a, _ := part(t, "a", 0, time.Second, 100, 200)
	b, _ := part(t, "b", 0, time.Second, 300)
	for i, pt := range []*Part{&a, &b} {
		h := results.NewHistogram()
		h.RecordValue(int64(50 * (i + 1)))
		l, err := results.Summarize(h)
		if err != nil {
			t.Fatal(err)
		}
		pt.Point.Connect = &results.Connect{Dials: 2, Established: 1, Failed: map[string]int64{"refused": 1}, Latency: l, FirstAnswer: l, Settled: float64(i + 1)}
		pt.Point.Schedule = &results.Schedule{Offered: 100, Completed: 90, Quarters: []results.Quarter{{Requests: 10, Latency: float64(i)}}}
	}
	m, _, err := Points([]Part{a, b})
	if err != nil {
		t.Fatal(err)
	}
	c, s := m.Connect, m.Schedule
	if c == nil || c.Dials != 4 || c.Established != 2 || c.Failed["refused"] != 2 || c.Latency.Count != 2 || c.Latency.Max < 100 || c.Settled != 2 {
		t.Errorf("connect %+v", c)
	}
	if s == nil || s.Offered != 200 || s.Completed != 180 || s.Quarters[0].Requests != 20 || s.Quarters[0].Latency != 1 {
		t.Errorf("schedule %+v", s)
	}
}
