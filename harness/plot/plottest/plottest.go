// Package plottest builds a small synthetic run for the tests of the plot
// and report packages. Its figures are invented (shaped after the reference
// measurements), never measured: nothing built from it is a result.
package plottest

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"loopbench/harness/results"
)

// model is the invented behaviour of one model.
type model struct {
	name       string
	peak       float64 // plaintext requests/s without pipelining
	cpuUS      float64 // server CPU per request
	baseMiB    float64 // RSS with no connection
	perConnKiB float64 // RSS per held connection
	kernelKiB  float64 // the kernel's memory per held connection (stacks, page tables, socket structures)
	threads    func(conns int) int
	lag        bool // measures its loop lag
}

var models = []model{
	{"threaded", 110e3, 9.0, 8, 25, 22, func(c int) int { return c + 5 }, false},
	{"eventloop", 125e3, 8.0, 6, 0.6, 1.2, func(int) int { return 8 }, true},
	{"gnet", 135e3, 6.45, 7, 0.52, 1.2, func(int) int { return 6 }, false},
	{"evio", 132e3, 7.6, 7, 0.52, 1.2, func(int) int { return 5 }, false},
	{"fasthttp", 130e3, 7.3, 9, 16.5, 1.2, func(int) int { return 7 }, false},
	{"node", 70e3, 13.7, 45, 8.9, 1.2, func(int) int { return 11 }, true},
}

func find(name string) model {
	for _, m := range models {
		if m.name == name {
			return m
		}
	}
	return models[0]
}

// Run returns the synthetic run: every workload kind, repetitions (6 where
// the report's verdicts need a 95% interval, fewer elsewhere), with a
// drift shared by a block's points and noise of each point's own, one
// failed configuration (threaded at wait-sleep 16,000), one partial point
// (fasthttp's last repetition at wait-sleep 4,000), client-bound points
// (gnet and evio at 256+ connections of plaintext), cgroup memory, loop
// lag, routes, samples, a pool sweep and an accept burst. Each call returns a copy of its own to change; the
// run is built once, since encoding its histograms is slow.
func Run() *results.Run { return clone(built()) }

var built = sync.OnceValue(build)

func build() *results.Run {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &results.Run{
		Schema: results.SchemaVersion, ID: "20260102T030405Z-fixture", Started: start, Finished: start.Add(time.Hour),
		Env: results.Env{Host: "fixture", OS: "linux", Arch: "amd64", Kernel: "6.18.0", CPUModel: "Synthetic CPU @ 2.0GHz",
			Cores: 2, MemoryBytes: 8 << 30, GoVersion: "go1.26.8", NodeVersion: "v20.0.0", Commit: "0123456789ab",
			Version: "fixture", GOMAXPROCS: 1, ServerCPUs: "1", ClientCPUs: "0",
			Notes: []string{"This is a synthetic fixture for tests; its figures are invented."}},
	}
	for _, w := range workloads {
		run.Workloads = append(run.Workloads, results.Workload{Name: w.name, Description: w.desc, File: "workloads/" + w.name + ".toml"})
		for _, sv := range w.series {
			for _, lvl := range w.levels {
				for rep := range w.reps {
					run.Points = append(run.Points, w.point(sv, lvl, rep, start))
				}
			}
		}
	}
	return run
}

// clone copies r deeply enough that changing the copy's points, their
// routes, samples, memory and loop lag leaves r as it was.
func clone(r *results.Run) *results.Run {
	c := *r
	c.Env.Notes, c.Workloads, c.Points = slices.Clone(r.Env.Notes), slices.Clone(r.Workloads), slices.Clone(r.Points)
	for i := range c.Points {
		p := &c.Points[i]
		p.Routes, p.Samples, p.Validity.Reasons = slices.Clone(p.Routes), slices.Clone(p.Samples), slices.Clone(p.Validity.Reasons)
		if m := p.Server.Memory; m != nil {
			p.Server.Memory = &results.Memory{}
			*p.Server.Memory = *m
		}
		if l := p.LoopLag; l != nil {
			p.LoopLag = &results.LoopLag{}
			*p.LoopLag = *l
		}
		if c := p.Connect; c != nil {
			p.Connect = &results.Connect{}
			*p.Connect = *c
		}
		if l := p.Validity.Life; l != nil {
			p.Validity.Life = &results.KernelCounters{}
			*p.Validity.Life = *l
		}
	}
	return &c
}

// series is a model in a variant.
type series struct{ model, variant string }

// workload is an invented workload: its levels, series and figures.
type workload struct {
	name, desc, mode string
	levels           []float64
	reps             int
	series           []series
	// fill sets the figures of a point from its model and level.
	fill func(p *results.Point, m model, variant string, level float64)
}

func all(variant string, names ...string) []series {
	var out []series
	for _, n := range names {
		out = append(out, series{n, variant})
	}
	return out
}

var everyModel = []string{"threaded", "eventloop", "gnet", "evio", "fasthttp", "node"}

var workloads = []workload{
	{"plaintext", "GET /plaintext, keep-alive", "closed", []float64{16, 256, 1024}, 6, all("default", everyModel...), fillPlaintext},
	{"pipelined", "GET /plaintext, 16 deep", "closed", []float64{256}, 6, all("default", everyModel...), fillPipelined},
	{"wait-sleep", "GET /sleep?ms=1000", "closed", []float64{256, 1000, 4000, 10000, 16000}, 2, all("default", "threaded", "eventloop", "fasthttp", "node"), fillWait(1000)},
	{"wait-upstream", "GET /upstream?ms=1000", "closed", []float64{256, 1000}, 1, all("default", "threaded", "eventloop", "node"), fillWait(1000)},
	{"file", "GET /file?name=4k", "closed", []float64{64, 256}, 1, all("default", "threaded", "eventloop", "node"), fillIO(0.2)},
	{"cpu", "GET /cpu?iter=20000", "closed", []float64{64}, 2, append(all("default", "threaded", "eventloop"), series{"eventloop", "cpu-offload"}), fillCPU},
	{"mixed", "95% /plaintext, 5% /cpu?iter=20000", "open", []float64{2000, 5000}, 6, append(all("default", "threaded", "eventloop"), series{"eventloop", "cpu-offload"}), fillMixed},
	{"pool-wait", "GET /fifo?ms=20", "closed", []float64{128}, 3, pools("eventloop", "node"), fillPool(false)},
	{"pool-cpu", "GET /cpu?iter=5000", "closed", []float64{128}, 3, pools("eventloop", "node"), fillPool(true)},
	{"cores", "GET /cpu?iter=5000, the server given 1 CPU, then 2", "closed", []float64{1, 2}, 6,
		append(all("default", "threaded", "eventloop", "gnet", "node"), series{"eventloop", "loops-per-cpu"}, series{"node", "loops-per-cpu"}, series{"eventloop", "cpu-offload"}), fillCores},
	{"c10k", "idle connections plus a probe", "idle", []float64{1000, 4000, 10000}, 3, all("default", "threaded", "eventloop", "gnet", "node"), fillIdle},
	{"accept-burst", "clients arriving at once", "burst", []float64{1000, 4000}, 1, all("default", "threaded", "eventloop", "node"), fillBurst},
}

// pools are the pool-size variants of models, 1 to 64 threads.
func pools(models ...string) []series {
	var out []series
	for _, m := range models {
		for _, n := range []int{1, 2, 4, 8, 16, 64} {
			out = append(out, series{m, fmt.Sprintf("pool-%d", n)})
		}
	}
	return out
}

func (w workload) point(sv series, level float64, rep int, start time.Time) results.Point {
	m := find(sv.model)
	p := results.Point{Workload: w.name, Model: sv.model, Variant: sv.variant, Mode: w.mode, Rep: rep,
		ServerCPUs: "1", ClientCPUs: "0", Start: start, Duration: 1}
	switch w.mode {
	case "open":
		p.Rate, p.Connections = level, 64
	case "idle":
		p.IdleConnections, p.Connections = int(level), 4
	default:
		p.Connections = int(level)
	}
	if w.name == "cores" { // the level is the server's CPU count
		p.Connections, p.ServerCPUCount, p.ServerCPUs = 16, int(level), map[float64]string{1: "1", 2: "0-1"}[level]
	}
	w.fill(&p, m, sv.variant, level)
	drift := 1 + 0.03*float64(rep%3-1) // the host, alike for every point of a block
	p.Throughput *= drift * (1 + 0.04*noise(&p, "throughput"))
	finish(&p, m)
	if target, ok := strings.CutPrefix(w.desc, "GET "); ok && p.Routes == nil && !p.Failed {
		p.Routes = []results.RouteStats{{Route: target, Requests: p.Requests, Latency: p.Latency}}
	}
	if w.name == "wait-sleep" && sv.model == "fasthttp" && level == 4000 && rep == w.reps-1 {
		p.NotReady = 37
		p.Validity = results.Validity{Status: results.Partial, Reasons: []string{"37 of 4000 connections never completed a request"}}
	}
	return p
}

// noise is a point's own deviation in [-1, 1] for one figure: a hash of
// the point and the figure, so the fixture is the same on every run.
func noise(p *results.Point, figure string) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s/%s/%d/%g/%d/%d/%s", p.Workload, p.Model, p.Variant, p.Connections+p.ServerCPUCount, p.Rate, p.IdleConnections, p.Rep, figure)
	return float64(h.Sum64()%2001)/1000 - 1
}

// finish derives the figures every point shares from Throughput and the
// model: requests, CPU, memory, threads, samples.
func finish(p *results.Point, m model) {
	if p.Failed {
		p.Validity.Status = results.Failed
		return
	}
	p.Validity.Status = results.Valid
	p.Requests = int64(p.Throughput * p.Duration)
	if p.CPUPerRequest == 0 {
		p.CPUPerRequest = m.cpuUS
	}
	p.CPUPerRequest = round(p.CPUPerRequest * (1 + 0.04*noise(p, "cpu")))
	cpu := p.CPUPerRequest * float64(p.Requests) / 1e6
	p.Server.CPUUser, p.Server.CPUSys = round(cpu*0.6), round(cpu*0.4)
	conns := p.Connections + p.IdleConnections
	setMemory(p, m, float64(conns))
	p.Server.Threads = m.threads(conns)
	p.Server.FDs = conns + 8
	p.Client.Utilization = 0.6
	if p.ClientBound {
		p.Client.Utilization = 0.98
	}
	for i := 1; i <= 10; i++ {
		t := float64(i) / 10
		p.Samples = append(p.Samples, results.Sample{T: t, Requests: int64(float64(p.Requests) * t * (1 + 0.05*math.Sin(float64(i)))),
			RSS: p.Server.RSS - int64(10-i)<<16, Threads: p.Server.Threads, CPU: round((p.Server.CPUUser + p.Server.CPUSys) * t)})
	}
}

// setMemory sets the RSS of a point holding conns connections and its
// cgroup's charge: user memory (RSS less 2 MiB of mapped files), the
// kernel's share and a quarter KiB of socket buffers per connection.
func setMemory(p *results.Point, m model, conns float64) {
	p.Server.RSS = int64((m.baseMiB*1024 + m.perConnKiB*conns) * 1024 * (1 + 0.01*noise(p, "memory")))
	p.Server.PeakRSS = p.Server.RSS + 1<<20
	mem := &results.Memory{User: p.Server.RSS - 2<<20, Kernel: int64((1024 + m.kernelKiB*conns) * 1024), Sock: int64(conns * 256)}
	mem.Total = mem.User + mem.Kernel + mem.Sock
	p.Server.Memory = mem
}

func round(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func fillPlaintext(p *results.Point, m model, _ string, c float64) {
	p.Throughput = m.peak * math.Min(1, math.Pow(c/64, 0.3))
	if m.name == "threaded" && c >= 1024 {
		p.Throughput *= 0.55
		p.CPUPerRequest = 16.2
	}
	p.ClientBound = (m.name == "gnet" || m.name == "evio") && c >= 256
	p.Latency = latency(p, c/p.Throughput*1e6, 0.3)
	setLag(p, m, 0.05)
}

func fillPipelined(p *results.Point, m model, _ string, c float64) {
	p.Pipeline = 16
	tput := map[string]float64{"threaded": 1.22e6, "eventloop": 1.3e6, "gnet": 1.38e6, "evio": 1.46e6, "fasthttp": 1.07e6, "node": 73e3}
	p.Throughput = tput[m.name]
	p.ClientBound = m.name == "gnet"
	p.Latency = latency(p, c*16/p.Throughput*1e6, 0.3)
	setLag(p, m, 0.2)
}

// fillIO is a workload whose requests wait ms milliseconds.
func fillIO(ms float64) func(*results.Point, model, string, float64) {
	return func(p *results.Point, m model, _ string, c float64) {
		if m.name == "threaded" && c >= 4096 {
			p.Failed, p.FailReason = true, "server exited: runtime: failed to create new OS thread"
			return
		}
		limit := 1e6 / (m.cpuUS * 1.3)
		p.Throughput = math.Min(c/(ms/1000+0.0003), limit)
		p.Latency = latency(p, c/p.Throughput*1e6, 0.15)
		setLag(p, m, 0.1)
	}
}

// fillWait is a pure-waiting workload whose requests wait ms: every model
// keeps up (the ideal, connections ÷ wait) until threaded runs out of
// threads at 10,000 connections (fewer than it holds keep up) and fails at
// 16,000.
func fillWait(ms float64) func(*results.Point, model, string, float64) {
	return func(p *results.Point, m model, _ string, c float64) {
		ideal := c / (ms / 1000)
		switch {
		case m.name == "threaded" && c >= 16000:
			p.Failed, p.FailReason = true, "server exited: runtime: failed to create new OS thread"
			return
		case m.name == "threaded" && c >= 10000:
			p.Throughput = ideal * 0.6
		default:
			p.Throughput = ideal * 0.985
		}
		p.Latency = latency(p, ms*1000*1.01, 0.02)
		setLag(p, m, 0.1)
	}
}

// fillPool is a pool-size sweep: blocking waits of 20 ms saturate at
// pool ÷ 20 ms; CPU work of 1 ms at one CPU's worth.
func fillPool(cpu bool) func(*results.Point, model, string, float64) {
	return func(p *results.Point, m model, variant string, c float64) {
		var n float64
		fmt.Sscanf(variant, "pool-%g", &n)
		if cpu {
			p.Throughput = 950 * math.Min(n, 1)
			p.CPUPerRequest = 0.98e6 / p.Throughput // the server's one CPU busy
		} else {
			p.Throughput = 0.97 * math.Min(n/0.020, c/0.020)
		}
		p.Latency = latency(p, c/p.Throughput*1e6, 0.1)
	}
}

// fillBurst is a burst of connections: each model takes them, threaded
// slowest, and at 4,000 clients it leaves some unanswered while the
// kernel overflows its listen queue.
func fillBurst(p *results.Point, m model, _ string, n float64) {
	per := map[string]float64{"threaded": 300, "eventloop": 30, "node": 90}[m.name]
	p.Duration = n * per / 1e6
	p.Throughput = n / p.Duration
	conn := latency(p, n*per/3, 0.3)
	first := latency(p, n*per/2, 0.3)
	p.Latency = first
	p.Connect = &results.Connect{Dials: int64(n), Established: int64(n), Latency: conn, FirstAnswer: first, Settled: p.Duration, DialSpan: p.Duration / 10}
	if m.name == "threaded" && n >= 4000 {
		p.Connect.Unanswered = 300
		p.Validity.Life = &results.KernelCounters{ListenOverflows: 900, ListenDrops: 900, SynRetrans: 400, RetransSegs: 400}
	}
}

func fillCPU(p *results.Point, m model, variant string, c float64) {
	p.ServerCPUs = "0-1"
	cores := 1.9
	if m.name == "eventloop" && variant != "cpu-offload" {
		cores = 1.0
	}
	p.Throughput = 200 * cores
	p.CPUPerRequest = cores * 1e6 / p.Throughput
	p.Latency = latency(p, c/p.Throughput*1e6, 0.1)
	setLag(p, m, 5/cores)
}

// fillCores is CPU work on 1 or 2 CPUs: the threads and the loops run one
// per CPU turn the second CPU into most of a second core's work, a single
// loop into none of it, and the pool into some.
func fillCores(p *results.Point, m model, variant string, cpus float64) {
	eff := 0.5
	switch {
	case m.name == "threaded":
		eff = 0.93
	case variant == "loops-per-cpu":
		eff = 0.9
	case variant == "cpu-offload":
		eff = 0.8
	}
	p.Throughput = 950 * (1 + (cpus-1)*(2*eff-1))
	p.CPUPerRequest = cpus * 1e6 / p.Throughput
	p.Latency = latency(p, 16/p.Throughput*1e6, 0.1)
}

func fillMixed(p *results.Point, m model, variant string, rate float64) {
	p.Throughput = rate * 0.999
	plain, cpu := latency(p, 800, 0.4), latency(p, 5000, 0.2)
	if m.name == "eventloop" && variant != "cpu-offload" {
		plain = latency(p, 3000*rate/2000, 0.6)
	}
	p.Routes = []results.RouteStats{
		{Route: "/plaintext", Requests: int64(p.Throughput * 0.95), Latency: plain},
		{Route: "/cpu?iter=20000", Requests: int64(p.Throughput * 0.05), Latency: cpu},
	}
	p.Latency = latency(p, 1000, 0.5)
	p.CPUPerRequest = 0.05*5000 + 8
	lag := 0.3
	if m.name == "eventloop" && variant != "cpu-offload" {
		lag = 12
	}
	setLag(p, m, lag)
}

func fillIdle(p *results.Point, m model, _ string, idle float64) {
	p.Throughput = 1000
	p.Latency = latency(p, 200, 0.2)
	setLag(p, m, 0.05)
}

func setLag(p *results.Point, m model, p99 float64) {
	if m.lag {
		p.LoopLag = &results.LoopLag{P50: round(p99 / 5), P99: round(p99), Max: round(p99 * 3)}
	}
}

// latency invents a distribution for p with median p50 µs (give or take
// the point's noise) whose tail grows as (0.5/(1-q))^tail, and summarises
// it with its histogram.
func latency(p *results.Point, p50, tail float64) results.Latency {
	p50 *= 1 + 0.05*noise(p, "latency")
	h := results.NewHistogram()
	// Enough requests for a repetition's own p99 to be resolved (ten
	// beyond it), not for its p99.9: a configuration measured once shows
	// an unresolved p99.9, six merged resolve it.
	const n = 2000
	for i := range n {
		q := (float64(i) + 0.5) / n
		h.RecordValue(int64(math.Max(1, p50*math.Pow(0.5/(1-q), tail))))
	}
	l, err := results.Summarize(h)
	if err != nil {
		panic(fmt.Sprintf("plottest: %v", err))
	}
	return l
}
