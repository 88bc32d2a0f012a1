package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loopbench/harness/capacity"
	"loopbench/harness/results"
	"loopbench/harness/validity"
	"loopbench/harness/workload"
)

// fakeCapacity is the capacity of the server rateLoad stands in for.
const fakeCapacity = 4000.0

// rateLoad stands in for the open loop against a server that takes any
// rate up to fakeCapacity with 1 ms latency and falls behind above it:
// it completes fakeCapacity req/s and its latency is 50 ms. It checks the
// fresh server answers, and opens and closes the window as the load
// generator does, so the runner measures and judges the point as any.
func rateLoad(ctx context.Context, req LoadRequest, p *results.Point) error {
	if err := checkPlaintext(req.Addr); err != nil {
		return err
	}
	req.OnMeasure()
	select {
	case <-time.After(req.Workload.Duration.Duration):
	case <-ctx.Done():
		return ctx.Err()
	}
	req.OnMeasureEnd()
	rate, d := req.Level.Rate, req.Workload.Duration.Duration.Seconds()
	done, lat := min(rate, fakeCapacity), int64(1000)
	if rate > fakeCapacity {
		lat = 50_000
	}
	p.Duration, p.Requests, p.Throughput = d, int64(done*d), done
	h := results.NewHistogram()
	h.RecordValues(lat, p.Requests)
	var err error
	p.Latency, err = results.Summarize(h)
	p.Schedule = &results.Schedule{Offered: rate, Completed: done}
	return err
}

// quietKernel points the validity checks at a still copy of this host's
// kernel counters for the test: the fake server's outcome is certain, and
// the host's other traffic (loopback retransmits of a busy machine) must
// not make its points partial.
func quietKernel(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	still := validity.Paths{Netstat: filepath.Join(dir, "netstat"), SNMP: filepath.Join(dir, "snmp"), Stat: filepath.Join(dir, "stat")}
	for from, to := range map[string]string{validity.ProcPaths.Netstat: still.Netstat, validity.ProcPaths.SNMP: still.SNMP, validity.ProcPaths.Stat: still.Stat} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Skipf("no kernel counters to copy: %v", err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := validity.ProcPaths
	validity.ProcPaths = still
	t.Cleanup(func() { validity.ProcPaths = old })
}

// probeWorkload is a closed-loop workload with a [capacity] section whose
// probes are short.
func probeWorkload(t *testing.T) *workload.Workload {
	return testWorkload(t, "\n[capacity]\nslo = [\"p99=5ms\"]\nconnections = 4\nduration = \"100ms\"\nwarmup = \"0s\"\nprobes = 12\nresolution = 0.05\nconfirm = 2\ncurve = [1.5]\n")
}

// TestProbe measures points on demand between Open and Close: each on a
// fresh server, as an open loop at the rate asked, judged by validity; a
// server that does not start gives a failed point and the error.
func TestProbe(t *testing.T) {
	quietKernel(t)
	w := probeWorkload(t)
	cfg := testConfig(t, w, modelGood)
	cfg.Load = rateLoad
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Probe(context.Background(), modelGood, workload.Variant{}, w, workload.Level{}); err == nil {
		t.Error("Probe before Open: no error")
	}
	if err := r.Open(); err != nil {
		t.Fatal(err)
	}
	for _, rate := range []float64{2000, 8000} {
		pw, l := w.ProbeAt(*w.Capacity, rate)
		p, err := r.Probe(context.Background(), modelGood, workload.Variant{}, pw, l)
		if err != nil {
			t.Fatal(err)
		}
		pr := capacity.Judge(p, w.Capacity.Objectives)
		if p.Mode != workload.ModeOpen || p.Rate != rate || p.Variant != workload.DefaultVariant || p.Validity.Status == "" {
			t.Errorf("at %v: mode %q rate %v variant %q validity %q", rate, p.Mode, p.Rate, p.Variant, p.Validity.Status)
		}
		if want := rate <= fakeCapacity; pr.Pass() != want || pr.Held != want || (!want && !strings.Contains(pr.Reason, "did not hold its rate")) {
			t.Errorf("at %v: held %v met %v (%s); want pass %v", rate, pr.Held, pr.Met, pr.Reason, want)
		}
	}
	p, err := r.Probe(context.Background(), modelBroken, workload.Variant{}, w, workload.Level{Connections: 1, Rate: 100})
	if err == nil || p == nil || !p.Failed {
		t.Errorf("a server that does not start: point %v, error %v", p, err)
	}
	run, _, err := r.Close()
	if err != nil || len(run.Points) != 0 {
		t.Errorf("the probes were recorded with the run's points (%d), or %v", len(run.Points), err)
	}
	if kids := children(t); kids != "" {
		t.Errorf("children left running: %s", kids)
	}
}

// TestRunSearchesCapacity runs the plan, then the workload's capacity
// search: its start from the run's closed-loop throughput is the fake
// load's own figure, its answer's interval holds the fake capacity, and
// the search and its probes (the curve's too) are written in the run.
func TestRunSearchesCapacity(t *testing.T) {
	quietKernel(t)
	w := probeWorkload(t)
	w.Repetitions = 1
	cfg := testConfig(t, w, modelGood)
	closed := 0.0
	cfg.Load = func(ctx context.Context, req LoadRequest, p *results.Point) error {
		if req.Workload.Mode == workload.ModeOpen {
			return rateLoad(ctx, req, p)
		}
		err := httpLoad(ctx, req, p)
		closed = p.Throughput
		return err
	}
	var seen []CapacityProgress
	cfg.Capacity = &CapacityConfig{Progress: func(p CapacityProgress) { seen = append(seen, p) }}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n, times := r.CapacitySearches(), r.CapacityTimes(); n != 1 || len(times) != 12+1 {
		t.Fatalf("%d searches, %d planned probes; want 1 and 13", n, len(times))
	}
	run, dir, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	back, err := results.Read(dir)
	if err != nil || len(back.Capacity) != 1 || len(run.Points) != 1 {
		t.Fatalf("read back: %v; %d searches, %d points", err, len(back.Capacity), len(run.Points))
	}
	c := back.Capacity[0]
	if c.Model != modelGood || c.Start != closed || !strings.Contains(c.StartFrom, "closed-loop") || c.Objectives[0] != "p99=5ms" {
		t.Errorf("search %s from %v (%s), objectives %v; want good from the closed loop's %v", c.Model, c.Start, c.StartFrom, c.Objectives, closed)
	}
	if c.Bound != "" || !(c.Low <= fakeCapacity && fakeCapacity <= c.High) || c.High/c.Low > 1.3 {
		for _, p := range c.Probes {
			t.Logf("%s %v: held %v met %v: %s", p.Phase, p.Point.Rate, p.Held, p.Met, p.Reason)
		}
		t.Errorf("capacity %v [%v, %v] %s (%s %s); want an interval around %v", c.Capacity, c.Low, c.High, c.Bound, c.Limit, c.Cut, fakeCapacity)
	}
	last := c.Probes[len(c.Probes)-1]
	if last.Phase != results.PhaseCurve || last.Pass() || last.Point.Rate < 1.4*c.Capacity {
		t.Errorf("the last probe is %s at %v, pass %v; want the curve's, failing, at 1.5× the capacity", last.Phase, last.Point.Rate, last.Pass())
	}
	if len(seen) != len(c.Probes) || !seen[len(seen)-1].Curve || seen[0].Searches != 1 {
		t.Errorf("%d progress reports for %d probes: %+v", len(seen), len(c.Probes), seen)
	}
	if !strings.HasPrefix(back.Env.Energy, "not exposed") && !strings.HasPrefix(back.Env.Energy, "read from") {
		t.Errorf("env energy %q", back.Env.Energy)
	}
}

// TestCapacityOnly runs the searches alone, with the run's objectives on a
// workload without [capacity] and a total budget: no step runs, and a
// budget too short for a second probe cuts the search.
func TestCapacityOnly(t *testing.T) {
	quietKernel(t)
	w := testWorkload(t, "")
	cfg := testConfig(t, w, modelGood)
	cfg.Load = rateLoad
	objs, _ := capacity.ParseObjectives("p99=5ms")
	cfg.Capacity = &CapacityConfig{Only: true, Objectives: objs, Duration: 100 * time.Millisecond, Budget: time.Nanosecond,
		Search: capacity.Search{Start: 3000}, NoCurve: true}
	cfg.PricePerHour = 0.25
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Points) != 0 || len(run.Capacity) != 1 || run.Env.PricePerHour != 0.25 {
		t.Fatalf("%d points, %d searches, price %v; want 0, 1, 0.25", len(run.Points), len(run.Capacity), run.Env.PricePerHour)
	}
	c := run.Capacity[0]
	if len(c.Probes) != 1 || !strings.Contains(c.Cut, "time budget") || c.Bound != capacity.AtLeast || c.Capacity != 3000 {
		t.Errorf("%d probes, cut %q, %s %v; want one passing probe at 3000 and a cut", len(c.Probes), c.Cut, c.Bound, c.Capacity)
	}
	if errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}

// TestProbeShape lengthens a probe's window at low rates so that its p99
// is read from 1000 requests, up to maxWindow.
func TestProbeShape(t *testing.T) {
	objs, _ := capacity.ParseObjectives("p99=5ms")
	c := workload.Capacity{Objectives: objs, Duration: workload.Duration{Duration: time.Second}}
	for _, tt := range []struct {
		rate float64
		want time.Duration
	}{
		{5000, time.Second},            // 5000 requests in the section's second
		{400, 2500 * time.Millisecond}, // 1000 requests take 2.5 s
		{10, maxWindow},                // 100 s, cut to the bound
	} {
		if got := probeShape(c, tt.rate).Duration.Duration; got != tt.want {
			t.Errorf("at %v req/s: window %v, want %v", tt.rate, got, tt.want)
		}
	}
}
