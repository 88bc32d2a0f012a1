package report

import (
	"fmt"
	"math"
	"slices"

	"loopbench/harness/plot"
	"loopbench/harness/results"
)

func (k cast) claimMemory(ws map[string]*plot.Workload, all []plot.Workload) Claim {
	c := Claim{
		Statement: "An event loop serves many mostly-waiting connections with far less memory than one thread per connection.",
		Rule: fmt.Sprintf("For each event-loop model (%s) against %s: memory ratio ≤ %g confirms, > %g refutes. Readings: server RSS per held connection in c10k, and in io-sleep at the highest connection count both were measured at, each less the RSS of the model's lightest point (see the notes). Process RSS leaves out kernel memory (socket buffers, and a thread's kernel stack and page tables), which the %s model needs more of, so a confirmation understates the gap.",
			sentence(k.loops), k.threads, MemoryFarLess, MemoryNotLess, k.threads),
	}
	if ws["c10k"] != nil {
		per := map[string]plot.PerConn{}
		for _, pc := range plot.BytesPerConn(all, "c10k") {
			if pc.Variant == "default" || pc.Variant == "" {
				per[pc.Model] = pc
			}
		}
		th, ok := per[k.threads]
		for _, s := range k.loops {
			pc, have := per[s]
			switch {
			case !have:
			case !ok || th.Conns == 0 || th.Bytes <= 0 || pc.Conns == 0:
				c.add(NotMeasured, "c10k: %s or %s has no measured point", s, k.threads)
			default:
				r := pc.Bytes / th.Bytes
				c.add(grade(r, MemoryFarLess, MemoryNotLess, true), "c10k: %s %s KiB per connection at %s against %s %s KiB at %s: %s",
					s, kib(pc.Bytes), num(float64(pc.Conns)), k.threads, kib(th.Bytes), num(float64(th.Conns)), ratio(r))
				c.note(fmt.Sprintf("c10k, %s: %s.", s, pc.Method()))
				c.note(fmt.Sprintf("c10k, %s: %s.", k.threads, th.Method()))
			}
		}
	}
	if w := ws["io-sleep"]; w != nil {
		for _, s := range k.loops {
			l := common(w, s, "default", k.threads, "default")
			if math.IsNaN(l) {
				continue
			}
			a, b := plot.MemoryPerConn(all, group(w, s, "default", l)), plot.MemoryPerConn(all, group(w, k.threads, "default", l))
			if b.Bytes <= 0 {
				continue
			}
			c.add(grade(a.Bytes/b.Bytes, MemoryFarLess, MemoryNotLess, true), "io-sleep at %s connections: %s %s KiB per connection against %s %s KiB: %s",
				num(l), s, kib(a.Bytes), k.threads, kib(b.Bytes), ratio(a.Bytes/b.Bytes))
			c.note(fmt.Sprintf("io-sleep, %s: %s.", s, a.Method()))
			c.note(fmt.Sprintf("io-sleep, %s: %s.", k.threads, b.Method()))
			if fl, why, ok := failedAbove(w, k.threads, s, l); ok {
				c.note(fmt.Sprintf("io-sleep: %s failed at %s connections (%s) where %s was measured.", k.threads, num(fl), why, s))
			}
		}
	}
	return c
}

func (k cast) claimIO(ws map[string]*plot.Workload) Claim {
	c := Claim{
		Statement: "For I/O-heavy work an event loop keeps up with, or beats, one thread per connection.",
		Rule: fmt.Sprintf("For each event-loop model (%s) in io-sleep, io-upstream and file, at the highest connection count both it and %s were measured at: throughput ratio ≥ %g confirms, < %g refutes; both client-bound is inconclusive. %s failing at a level the loop served also confirms.",
			sentence(k.loops), k.threads, KeepsUp, FallsBehind, k.threads),
	}
	for _, name := range []string{"io-sleep", "io-upstream", "file"} {
		w := ws[name]
		if w == nil {
			continue
		}
		for _, s := range k.loops {
			l := common(w, s, "default", k.threads, "default")
			if math.IsNaN(l) {
				continue
			}
			gs, gt := group(w, s, "default", l), group(w, k.threads, "default", l)
			a, b := median(gs, tput), median(gt, tput)
			v := grade(a/b, KeepsUp, FallsBehind, false)
			if gs.ClientBound() && gt.ClientBound() {
				v = Inconclusive
			}
			c.add(v, "%s at %s connections: %s %s req/s against %s %s: %s%s", name, num(l), s, num(a), k.threads, num(b), ratio(a/b), boundNote(gs, gt))
			if fl, why, ok := failedAbove(w, k.threads, s, l); ok {
				c.add(Confirmed, "%s at %s connections: %s failed (%s), %s served %s req/s", name, num(fl), k.threads, why, s,
					num(median(group(w, s, "default", fl), tput)))
			}
		}
	}
	return c
}

// boundNote marks a comparison whose points were client-bound.
func boundNote(gs ...*results.Group) string {
	for _, g := range gs {
		if g.ClientBound() {
			return " (client-bound point: the ratio is a lower bound of the difference)"
		}
	}
	return ""
}

func (k cast) claimBlocking(ws map[string]*plot.Workload) Claim {
	c := Claim{
		Statement: "CPU-heavy work run on the loop blocks every other request, and moving it to the thread pool fixes that.",
		Rule: fmt.Sprintf("In mixed, for each model measured both inline (default) and with cpu-offload, at the highest offered rate both were measured at: p99 of the main route (/plaintext) inline ÷ with cpu-offload ≥ %g confirms, < %g refutes. Loop lag is shown for context.",
			Blocked, Unblocked),
	}
	w := ws["mixed"]
	if w == nil {
		return c
	}
	route := w.MainRoute()
	if route == "" {
		c.note("mixed has a single route, so the blocked route cannot be told apart.")
		return c
	}
	p99 := func(p *results.Point) float64 {
		if l := plot.RouteLatency(p, route); l != nil {
			return l.P99
		}
		return math.NaN()
	}
	for _, m := range models(w) {
		l := common(w, m, "default", m, "cpu-offload")
		if math.IsNaN(l) {
			continue
		}
		gi, go_ := group(w, m, "default", l), group(w, m, "cpu-offload", l)
		a, b := median(gi, p99), median(go_, p99)
		c.add(grade(a/b, Blocked, Unblocked, false), "mixed at %s req/s: %s %s p99 %s ms inline against %s ms with cpu-offload: %s%s",
			num(l), m, route, num(a/1000), num(b/1000), ratio(a/b), lagNote(gi, go_))
	}
	if th := group(w, k.threads, "default", w.Chosen()); th != nil && !th.Failed() {
		c.note(fmt.Sprintf("%s, for reference, at %s req/s: %s p99 %s ms.", k.threads, num(w.Chosen()), route, num(median(th, p99)/1000)))
	}
	return c
}

// lagNote gives the loop lag p99 inline and offloaded, when measured.
func lagNote(inline, offload *results.Group) string {
	a, b := inline.Measure(lagP99), offload.Measure(lagP99)
	if a.N == 0 || b.N == 0 || math.IsNaN(a.Median) || math.IsNaN(b.Median) {
		return ""
	}
	return fmt.Sprintf("; loop lag p99 %s ms inline, %s ms offloaded", num(a.Median), num(b.Median))
}

// models lists the models of a workload in table order.
func models(w *plot.Workload) []string {
	var out []string
	for _, g := range w.Groups {
		if len(out) == 0 || out[len(out)-1] != g.Key.Model {
			out = append(out, g.Key.Model)
		}
	}
	return out
}

// cores is the server's CPU time over wall time: how many cores it kept busy.
func cores(p *results.Point) float64 {
	if p.Duration <= 0 {
		return math.NaN()
	}
	return (p.Server.CPUUser + p.Server.CPUSys) / p.Duration
}

func (k cast) claimCores(ws map[string]*plot.Workload) Claim {
	c := Claim{
		Statement: "For CPU-heavy work, threads use more cores than an event loop that runs the work on its one thread.",
		Rule: fmt.Sprintf("In cpu, for each event-loop model (%s) inline against %s at the highest connection count both were measured at: cores used (server CPU time ÷ wall time) ratio %s ÷ loop ≥ %g confirms, < %g refutes. Inconclusive when the server had a single CPU: then no model can use more than one.",
			sentence(k.loops), k.threads, k.threads, MoreCores, SameCores),
	}
	w := ws["cpu"]
	if w == nil {
		return c
	}
	for _, s := range k.loops {
		l := common(w, s, "default", k.threads, "default")
		if math.IsNaN(l) {
			continue
		}
		gs, gt := group(w, s, "default", l), group(w, k.threads, "default", l)
		if n := cpuCount(gt.Points[0].ServerCPUs); n <= 1 {
			c.add(Inconclusive, "cpu at %s connections: the server had %d CPU (server_cpus %q), so threads could not use more than one core", num(l), n, gt.Points[0].ServerCPUs)
			continue
		}
		a, b := median(gt, cores), median(gs, cores)
		c.add(grade(a/b, MoreCores, SameCores, false), "cpu at %s connections on %s CPUs: %s used %s cores (%s req/s), %s inline %s cores (%s req/s): %s",
			num(l), gt.Points[0].ServerCPUs, k.threads, num(a), num(median(gt, tput)), s, num(b), num(median(gs, tput)), ratio(a/b))
		if off := group(w, s, "cpu-offload", l); off != nil && !off.Failed() {
			c.note(fmt.Sprintf("%s cpu-offload at %s connections used %s cores (%s req/s).",
				s, num(l), num(median(off, cores)), num(median(off, tput))))
		}
	}
	return c
}

func (k cast) claimHomemade(ws map[string]*plot.Workload, all []plot.Workload) Claim {
	c := Claim{
		Statement: fmt.Sprintf("The homemade libuv-style loop (%s) is as efficient as %s.", k.homemade, k.peerNames()),
		Rule: fmt.Sprintf("In plaintext, at the highest connection count both were measured at: %s's server CPU per request ÷ the other's ≤ %g confirms, > %g refutes (CPU per request, because one client core cannot saturate the fast servers). Throughput and c10k memory are shown for context.",
			k.homemade, AsEfficient, Heavier),
	}
	w := ws["plaintext"]
	if w == nil {
		return c
	}
	cpu := func(p *results.Point) float64 { return p.CPUPerRequest }
	for _, o := range k.peers {
		l := common(w, k.homemade, "default", o, "default")
		if math.IsNaN(l) {
			continue
		}
		ge, gother := group(w, k.homemade, "default", l), group(w, o, "default", l)
		a, b := median(ge, cpu), median(gother, cpu)
		c.add(grade(a/b, AsEfficient, Heavier, true), "plaintext at %s connections: %s %s µs per request against %s %s µs: %s; throughput %s against %s req/s%s",
			num(l), k.homemade, num(a), o, num(b), ratio(a/b), num(median(ge, tput)), num(median(gother, tput)), boundNote(ge, gother))
	}
	if ws["c10k"] != nil {
		for _, pc := range plot.BytesPerConn(all, "c10k") {
			if pc.Conns > 0 && (pc.Variant == "default" || pc.Variant == "") {
				c.note(fmt.Sprintf("c10k: %s %s KiB per connection.", pc.Model, kib(pc.Bytes)))
			}
		}
	}
	return c
}

// peerNames names the peers in a sentence, the reference as the real
// libuv: "gnet, evio and the real libuv (node)".
func (k cast) peerNames() string {
	parts := slices.Clone(k.peers)
	for i, p := range parts {
		if p == k.reference {
			parts[i] = "the real libuv (" + p + ")"
		}
	}
	return sentence(parts)
}
