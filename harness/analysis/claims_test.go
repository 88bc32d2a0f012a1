package analysis

import (
	"strings"
	"testing"

	"loopbench/harness/figures"
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
		// Without the mixed workload and the pool sweeps there is nothing
		// to decide claim 3 on.
		{"no mixed", func(p *results.Point) bool { return p.Workload != "mixed" && !strings.HasPrefix(p.Workload, "pool-") }, 2, NotMeasured, ""},
		// The pools do what their sizes predict.
		{"pools bound", func(p *results.Point) bool { return p.Workload != "mixed" }, 2, Confirmed, "node's blocking waits"},
		// A pool that serves blocking waits beyond its size (say, the
		// waits run on the loop, not the pool) refutes the bound for that
		// model; with the others confirming, the claim is open.
		{"pool unbounded", func(p *results.Point) bool {
			if p.Workload == "pool-wait" && p.Model == "node" && p.Variant == "pool-1" {
				p.Throughput *= 8
			}
			return p.Workload != "mixed"
		}, 2, Inconclusive, "node's blocking waits, throughput ÷ (size ÷ 20 ms) by pool size (throughput, req/s): 1: 7.6"},
		// A pool that leaves its CPU half idle (say, its threads take turns
		// on a lock) refutes the bound for CPU work.
		{"pool idles the CPU", func(p *results.Point) bool {
			if p.Workload == "pool-cpu" && p.Model == "eventloop" && p.Variant == "pool-4" {
				p.CPUPerRequest /= 2
			}
			return p.Workload != "mixed"
		}, 2, Inconclusive, "eventloop's CPU work, the CPUs kept busy ÷ min(size, CPUs given) by pool size (throughput, req/s): 1: 0.991× (944), 2: 0.988× (962), 4: 0.471×"},
		// Loops that use more memory per connection than threads refute claim 1.
		{"fat loops", func(p *results.Point) bool {
			if p.Model != "threaded" && p.Workload == "c10k" && p.Server.Memory != nil {
				m := *p.Server.Memory
				m.User += int64(p.Connections+p.IdleConnections) * 100 << 10
				m.Total = m.User + m.Kernel + m.Sock
				p.Server.Memory = &m
			}
			return true
		}, 0, Refuted, "against threaded"},
		// Without cgroup figures memory per connection falls back to RSS
		// and says so; the fat loops refute on RSS alike.
		{"fat loops, RSS only", func(p *results.Point) bool {
			p.Server.Memory = nil
			if p.Model != "threaded" && p.Workload == "c10k" {
				p.Server.RSS += int64(p.Connections+p.IdleConnections) * 100 << 10
			}
			return true
		}, 0, Refuted, "against threaded"},
		// Threads fall short of pure waiting at a count the loops keep up at.
		{"threads fall short", func(p *results.Point) bool { return p.Workload != "wait-upstream" }, 1, Confirmed, "threaded kept up to 4000 and fell short at 10k"},
		// Loops that fall short where the threads keep up refute it.
		{"loops fall short first", func(p *results.Point) bool {
			if p.Workload == "wait-sleep" && p.Model == "threaded" && p.Connections >= 10000 {
				p.Failed, p.FailReason, p.Throughput = false, "", float64(p.Connections)*0.98
				p.Validity = results.Validity{Status: results.Valid}
			}
			if p.Workload == "wait-sleep" && p.Model != "threaded" && p.Connections >= 16000 {
				p.Throughput = float64(p.Connections) * 0.5
			}
			return p.Workload != "wait-upstream"
		}, 1, Refuted, "threaded kept up at every count"},
		// Threads and loops that both keep up at every count measured
		// leave it open: the sweep reached neither knee.
		{"neither falls short", func(p *results.Point) bool {
			if p.Workload == "wait-sleep" && p.Model == "threaded" && p.Connections >= 10000 {
				p.Failed, p.FailReason, p.Throughput = false, "", float64(p.Connections)*0.98
				p.Validity = results.Validity{Status: results.Valid}
			}
			return p.Workload != "wait-upstream"
		}, 1, Inconclusive, "threaded kept up at every count"},
		// Repetitions that disagree at the deciding count leave it open.
		{"threads undecided", func(p *results.Point) bool {
			if p.Workload == "wait-sleep" && p.Model == "threaded" && p.Connections == 10000 && p.Rep == 0 {
				p.Throughput = float64(p.Connections) * 0.98
			}
			return p.Workload != "wait-upstream"
		}, 1, Inconclusive, "1 of 2 repetitions kept up"},
		// The fixture as it is: threads turn a second CPU into most of a
		// second core's work, one loop into none of it.
		{"threads scale", nil, 3, Confirmed, "threaded's efficiency at 2 CPUs"},
		// Loops that scale like the threads (say, the runtime ran the work
		// on a second thread) refute claim 4.
		{"loops scale", func(p *results.Point) bool {
			if p.Workload == "cores" && p.Model != "threaded" && p.Variant == "default" && p.ServerCPUCount == 2 {
				p.Throughput *= 1.85
			}
			return true
		}, 3, Refuted, "against one eventloop loop's"},
		// Without the experiment there is nothing to decide on.
		{"no cores", func(p *results.Point) bool { return p.Workload != "cores" }, 3, NotMeasured, ""},
		// A homemade loop twice as costly as every other loop refutes claim 5.
		{"slow homemade", func(p *results.Point) bool {
			if p.Model == "eventloop" && p.Workload == "plaintext" {
				p.CPUPerRequest = 30
			}
			return true
		}, 4, Refuted, "eventloop 30 µs per request"},
		// A p99 of fewer than 1000 requests a repetition is no figure: the
		// reading of claim 3 cannot decide, however far its ratio lies.
		{"p99 unresolved", func(p *results.Point) bool {
			for i := range p.Routes {
				p.Routes[i].Latency.Count = 800
			}
			return true
		}, 2, Inconclusive, "of 800 requests or more: too few to resolve a p99"},
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
			c := Analyze(run).Claims[tt.claim]
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

// TestMemorySource checks that claim 1 says what its memory counts: the
// cgroup's charge with the kernel's share, or RSS without it.
func TestMemorySource(t *testing.T) {
	run := plottest.Run()
	c := Analyze(run).Claims[0]
	if !strings.Contains(c.Rule, "the kernel's share") || !strings.Contains(strings.Join(c.Notes, "\n"), "from cgroup (user") || len(c.Caveats) > 1 {
		t.Errorf("with cgroup figures, rule %q, notes %q and caveats %q should count the kernel's share", c.Rule, c.Notes, c.Caveats)
	}
	for i := range run.Points {
		run.Points[i].Server.Memory = nil
	}
	c = Analyze(run).Claims[0]
	var caveats []string
	for _, cv := range c.Caveats {
		caveats = append(caveats, cv.Text)
	}
	if !strings.Contains(strings.Join(caveats, "\n"), "RSS (no cgroup figures), which leaves out kernel memory") || !strings.Contains(strings.Join(c.Notes, "\n"), "from RSS") {
		t.Errorf("without cgroup figures, notes %q and caveats %q should say RSS leaves the kernel out", c.Notes, caveats)
	}
}

// TestGrade grades paired ratios on their 95% interval: only an interval
// wholly past a threshold decides.
func TestGrade(t *testing.T) {
	higher := Threshold{Good: 1.25, Bad: 0.8}            // higher is better
	lower := Threshold{Good: 0.5, Bad: 1.0, Lower: true} // lower is better
	tests := []struct {
		name   string
		rule   Threshold
		ratios []float64
		want   Verdict
		text   string
	}{
		// The median clears 1.25 but the interval reaches below it.
		{"straddles confirm", higher, []float64{1.2, 1.28, 1.3, 1.32, 1.35, 1.4}, Inconclusive, "1.31× [1.2, 1.4], n=6"},
		// The whole interval is at or above 1.25.
		{"clears confirm", higher, []float64{1.25, 1.28, 1.3, 1.32, 1.35, 1.4}, Confirmed, "1.31× [1.25, 1.4], n=6"},
		// The whole interval is below 0.8.
		{"clears refute", higher, []float64{0.6, 0.62, 0.65, 0.7, 0.72, 0.79}, Refuted, "0.675× [0.6, 0.79], n=6"},
		// The median is below 0.8 but the interval reaches 0.8.
		{"straddles refute", higher, []float64{0.6, 0.62, 0.65, 0.7, 0.72, 0.8}, Inconclusive, "[0.6, 0.8], n=6"},
		// Between the thresholds.
		{"between", higher, []float64{1, 1, 1.05, 1.05, 1.1, 1.1}, Inconclusive, "1.05× [1, 1.1], n=6"},
		// Lower is better: the whole interval at or below 0.5 confirms.
		{"lower confirms", lower, []float64{0.02, 0.03, 0.03, 0.04, 0.04, 0.5}, Confirmed, "n=6"},
		// Lower is better: reaching above 0.5 does not confirm.
		{"lower straddles", lower, []float64{0.3, 0.35, 0.4, 0.4, 0.45, 0.55}, Inconclusive, "[0.3, 0.55]"},
		// Lower is better: wholly above 1 refutes.
		{"lower refutes", lower, []float64{1.1, 1.2, 1.2, 1.3, 1.3, 1.4}, Refuted, "n=6"},
		// Far past the threshold, but with 2 pairs there is no 95% interval.
		{"two pairs", higher, []float64{2, 2.2}, Inconclusive, "2.1× (range 2–2.2), n=2: too few repetitions for a 95% interval"},
		// Five pairs are still too few.
		{"five pairs", higher, []float64{2, 2, 2, 2, 2}, Inconclusive, "2× (range 2–2), n=5: too few repetitions"},
		// One pair has no range either.
		{"one pair", higher, []float64{3}, Inconclusive, "3×, n=1: too few repetitions for a 95% interval"},
		// No pair is not a measurement.
		{"no pair", higher, nil, NotMeasured, "no repetition usable on both sides"},
	}
	for _, tt := range tests {
		r := results.StatOf(tt.ratios)
		if got, text := tt.rule.grade(r), figures.Interval(r); got != tt.want || !strings.Contains(text, tt.text) {
			t.Errorf("%s: %s %q, want %s %q", tt.name, got, text, tt.want, tt.text)
		}
	}
}

// TestClientBoundReadings names, on each reading, the sides whose
// repetitions were client-bound and how many, for the scorecard's mark.
func TestClientBoundReadings(t *testing.T) {
	want := map[string]string{
		"plaintext 1024: eventloop ÷ gnet": "gnet 6 of 6", // gnet is client-bound at 256 and above
		"c10k: eventloop ÷ threaded":       "",
	}
	for _, c := range Analyze(plottest.Run()).Claims {
		for _, r := range c.Readings {
			w, ok := want[r.Label]
			if got := strings.Join(r.ClientBound, ", "); ok && got != w {
				t.Errorf("%s: client-bound %q, want %q", r.Label, got, w)
			}
			delete(want, r.Label)
		}
	}
	for label := range want {
		t.Errorf("no reading %q", label)
	}
}
