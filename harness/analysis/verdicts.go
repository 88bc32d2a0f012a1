package analysis

import (
	"fmt"
	"math"
	"slices"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

func (k cast) claimMemory(ws map[string]*Workload, all []Workload) Claim {
	c := Claim{Statement: "An event loop serves many mostly-waiting connections with far less memory than one thread per connection.",
		Short: "memory per connection", Threshold: memoryRule}
	sources := map[string]bool{}
	if ws["c10k"] != nil {
		per := map[string]PerConn{}
		for _, pc := range BytesPerConn(all, "c10k") {
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
				c.add(NotMeasured, "c10k: "+s+" ÷ "+k.threads, "c10k: %s or %s has no measured point", s, k.threads)
			default:
				pr := pair(pc.Group, th.Group, perConnOf(pc, th))
				c.addPaired(memoryRule.grade(pr.Ratio), pr, "c10k: "+s+" ÷ "+k.threads, fmt.Sprintf("c10k: %s %s KiB per connection at %s against %s %s KiB at %s",
					s, figures.KiB(pr.A.Median), figures.Num(float64(pc.Conns)), k.threads, figures.KiB(pr.B.Median), figures.Num(float64(th.Conns))), "", pc.Group, th.Group)
				c.noteMemory("c10k", pc, th)
				sources[pc.Source], sources[th.Source] = true, true
			}
		}
	}
	if w := ws["io-sleep"]; w != nil {
		for _, s := range k.loops {
			l := common(w, s, "default", k.threads, "default")
			if math.IsNaN(l) {
				continue
			}
			a, b := MemoryPerConn(all, group(w, s, "default", l)), MemoryPerConn(all, group(w, k.threads, "default", l))
			if b.Bytes <= 0 {
				continue
			}
			pr := pair(a.Group, b.Group, perConnOf(a, b))
			c.addPaired(memoryRule.grade(pr.Ratio), pr, fmt.Sprintf("io-sleep %s: %s ÷ %s", figures.Num(l), s, k.threads), fmt.Sprintf("io-sleep at %s connections: %s %s KiB per connection against %s %s KiB",
				figures.Num(l), s, figures.KiB(pr.A.Median), k.threads, figures.KiB(pr.B.Median)), "", a.Group, b.Group)
			c.noteMemory("io-sleep", a, b)
			sources[a.Source], sources[b.Source] = true, true
			if fl, why, ok := failedAbove(w, k.threads, s, l); ok {
				c.note(fmt.Sprintf("io-sleep: %s failed at %s connections (%s) where %s was measured.", k.threads, figures.Num(fl), why, s))
			}
			c.notePartial(w, l, s, k.threads)
		}
	}
	c.Rule = fmt.Sprintf("For each event-loop model (%s) against %s, the paired ratio of memory per held connection: %s. Readings: c10k, and io-sleep at the highest connection count both were measured at, each less the memory of the model's lightest point (see the notes). %s",
		sentence(k.loops), k.threads, memoryRule, memorySource(sources, k.threads))
	if len(c.Readings) > 0 {
		c.caveat("favours the event loops", fmt.Sprintf("%s's memory includes Go's cost per scheduler slot, sized to its connections (about 15 KiB a slot, roughly 20 KiB per connection at 10,000 idle connections, servers/%s/doc.go), a cost of Go, not of threads.", k.threads, k.threads))
		c.referenceCaveat(k, "memory includes V8's heap and node's HTTP layer, not only libuv's")
	}
	return c
}

// perConnOf is the memory per connection of a point of one of the
// configurations pcs describe.
func perConnOf(pcs ...PerConn) func(*results.Point) float64 {
	return func(p *results.Point) float64 {
		for _, pc := range pcs {
			if p.Key() == pc.Group.Key {
				return pc.Of(p)
			}
		}
		return math.NaN()
	}
}

// noteMemory notes how the memory per connection of each side was
// computed, and its parts when the cgroup gave them.
func (c *Claim) noteMemory(workload string, pcs ...PerConn) {
	for _, pc := range pcs {
		parts := ""
		if pc.Source == SourceCgroup {
			parts = fmt.Sprintf("; user %s, kernel %s, socket buffers %s KiB per connection", figures.KiB(pc.User), figures.KiB(pc.Kernel), figures.KiB(pc.Sock))
		}
		c.note(fmt.Sprintf("%s, %s: %s%s.", workload, pc.Model, pc.Method(), parts))
	}
}

// memorySource says what the memory figures of claim 1 count.
func memorySource(sources map[string]bool, threads string) string {
	const cgroup = "the server cgroup's charge: user memory, the kernel's share (thread stacks, page tables, slab) and socket buffers, the page cache left out"
	rss := fmt.Sprintf("Process RSS leaves out kernel memory (socket buffers, and a thread's kernel stack and page tables), which the %s model needs more of, so a confirmation on RSS understates the gap.", threads)
	switch {
	case sources[SourceCgroup] && sources[SourceRSS]:
		return "Memory is " + cgroup + " where the points have it, else process RSS (see the notes). " + rss
	case sources[SourceCgroup]:
		return fmt.Sprintf("Memory is %s, so what %s's threads cost the kernel is counted.", cgroup, threads)
	}
	return rss
}

// referenceCaveat cautions that the real libuv is measured inside node:
// what claims of its figure include besides libuv (against the loops).
func (c *Claim) referenceCaveat(k cast, what string) {
	if k.reference != "" && slices.Contains(k.loops, k.reference) {
		c.caveat("counts against the event loops", fmt.Sprintf("%s's %s.", k.reference, what))
	}
}

func (k cast) claimIO(ws map[string]*Workload) Claim {
	c := Claim{
		Statement: "For I/O-heavy work an event loop keeps up with, or beats, one thread per connection.",
		Short:     "I/O throughput", Threshold: ioRule,
		Rule: fmt.Sprintf("For each event-loop model (%s) in io-sleep, io-upstream and file, at the highest connection count both it and %s were measured at, the paired throughput ratio: %s; both client-bound is inconclusive. %s failing at a level the loop served also confirms.",
			sentence(k.loops), k.threads, ioRule, k.threads),
	}
	for _, name := range []string{"io-sleep", "io-upstream", "file"} {
		w := ws[name]
		if w == nil {
			continue
		}
		for _, s := range k.loops {
			if k.readIO(&c, w, s) && name == "file" {
				c.caveat("either way", "/file reads come from the page cache"+storageNote(w)+", so on this host /file is a CPU-bound copy, not a wait on the disk: it measures the event loops' hand-off of each read to their pool (against them) more than blocking I/O (which would favour them). Dropping the files from the page cache before each repetition would not change it: the window opens only once every connection has had its first answer, and those first reads refill the cache; only a data set larger than memory, or O_DIRECT, would make /file wait on the disk.")
			}
		}
	}
	if len(c.Readings) > 0 {
		c.caveat("favours the event loops", fmt.Sprintf("%s's throughput pays Go's scheduler scanning every slot (about a fifth of its CPU at 1,024 connections, servers/%s/doc.go), which a C thread-per-connection server would not.", k.threads, k.threads))
		c.referenceCaveat(k, "throughput includes V8 and node's HTTP layer, not only libuv")
	}
	return c
}

// storageNote says, where the points measured it, how many bytes the
// servers read from storage per request in w.
func storageNote(w *Workload) string {
	var bytes, requests float64
	for i := range w.Groups {
		for _, p := range w.Groups[i].Points {
			if p.Usable() && p.Server.StorageRead != nil {
				bytes += float64(*p.Server.StorageRead)
				requests += float64(p.Requests)
			}
		}
	}
	if requests == 0 {
		return ""
	}
	return fmt.Sprintf(" (measured: the servers read %s bytes from storage per request during the windows, /proc/PID/io)", figures.Num(bytes/requests))
}

// readIO adds the readings of loop s against the threads in workload w;
// false when there is none.
func (k cast) readIO(c *Claim, w *Workload, s string) bool {
	l := common(w, s, "default", k.threads, "default")
	if math.IsNaN(l) {
		return false
	}
	gs, gt := group(w, s, "default", l), group(w, k.threads, "default", l)
	pr := pair(gs, gt, tput)
	v := ioRule.grade(pr.Ratio)
	if gs.ClientBound() && gt.ClientBound() {
		v = Inconclusive
	}
	c.addPaired(v, pr, fmt.Sprintf("%s %s: %s ÷ %s", w.Name, figures.Num(l), s, k.threads), fmt.Sprintf("%s at %s connections: %s %s req/s against %s %s", w.Name, figures.Num(l), s, figures.Num(pr.A.Median), k.threads, figures.Num(pr.B.Median)), boundNote(gs, gt), gs, gt)
	if fl, why, ok := failedAbove(w, k.threads, s, l); ok {
		c.add(Confirmed, fmt.Sprintf("%s %s: %s failed, %s served", w.Name, figures.Num(fl), k.threads, s), "%s at %s connections: %s failed (%s), %s served %s req/s", w.Name, figures.Num(fl), k.threads, why, s,
			figures.Num(median(group(w, s, "default", fl), tput)))
	}
	c.notePartial(w, l, s, k.threads)
	return true
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

func (k cast) claimBlocking(ws map[string]*Workload) Claim {
	c := Claim{
		Statement: "CPU-heavy work run on the loop blocks every other request, and moving it to the thread pool fixes that.",
		Short:     "blocking, and the pool", Threshold: blockingRule,
		Rule: fmt.Sprintf("In mixed, for each model measured both inline (default) and with cpu-offload, at the offered rate both were measured at most often (the claim's rate, not the rates measured once to draw the curve), the paired ratio of the main route's (/plaintext) p99 inline ÷ with cpu-offload: %s. Loop lag is shown for context.",
			blockingRule),
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
		if l := RouteLatency(p, route); l != nil {
			return l.P99
		}
		return math.NaN()
	}
	for _, m := range models(w) {
		l := common(w, m, "default", m, "cpu-offload")
		if math.IsNaN(l) {
			continue
		}
		gi, goff := group(w, m, "default", l), group(w, m, "cpu-offload", l)
		pr := pair(gi, goff, p99)
		v, n := blockingRule.grade(pr.Ratio), fewest(route, gi, goff)
		if !figures.Resolved(99, n) {
			v = Inconclusive // a p99 of too few requests is no figure
		}
		c.addPaired(v, pr, fmt.Sprintf("mixed %s/s: %s inline ÷ cpu-offload", figures.Num(l), m), fmt.Sprintf("mixed at %s req/s: %s %s p99 %s ms inline against %s ms with cpu-offload (%s)",
			figures.Num(l), m, route, figures.Num(pr.A.Median/1000), figures.Num(pr.B.Median/1000), p99Basis(n)), lagNote(gi, goff), gi, goff)
		c.poolCaveat(gi)
	}
	if th := group(w, k.threads, "default", w.Chosen()); usable(th) {
		c.note(fmt.Sprintf("%s, for reference, at %s req/s: %s p99 %s ms (%s).", k.threads, figures.Num(w.Chosen()), route, figures.Num(median(th, p99)/1000), p99Basis(fewest(route, th))))
	}
	return c
}

// fewest is the fewest requests to route timed by a repetition of any of
// gs that their figures come from.
func fewest(route string, gs ...*results.Group) int64 {
	n := int64(math.MaxInt64)
	for _, g := range gs {
		_, f := counts(g, LatencyOf(route))
		n = min(n, f)
	}
	return n
}

// p99Basis says what the p99s of a reading rest on: each repetition's own,
// of at least n requests, and whether n resolves them.
func p99Basis(n int64) string {
	s := "each repetition's own p99, of " + figures.Num(float64(n)) + " requests or more"
	if !figures.Resolved(99, n) {
		s += fmt.Sprintf(": too few to resolve a p99, which needs %s (a reading of them is inconclusive)", figures.Num(float64(figures.NeedSamples(99))))
	}
	return s
}

// poolCaveat says what the server's CPUs let the thread pool do.
func (c *Claim) poolCaveat(g *results.Group) {
	cpus := g.Points[0].ServerCPUs
	if results.CPUCount(cpus) == 1 {
		c.caveat("counts against the pool", fmt.Sprintf("the server had one CPU (`%s`), so the offload pool shares the loop's only CPU and cannot add capacity, only let the kernel time-slice the work against the loop; what the main route gains, the offloaded route pays, and on more CPUs the pool would also run the work in parallel.", cpus))
		return
	}
	c.caveat("favours the pool", fmt.Sprintf("the server had CPUs `%s`, so the pool's threads ran the work beside the loop, not only between its turns; a one-CPU server would show less.", cpus))
}

// lagNote gives the loop lag p99 inline and offloaded, when measured.
func lagNote(inline, offload *results.Group) string {
	a, b := inline.Measure(LagP99), offload.Measure(LagP99)
	if a.N == 0 || b.N == 0 || math.IsNaN(a.Median) || math.IsNaN(b.Median) {
		return ""
	}
	return fmt.Sprintf("; loop lag p99 %s ms inline, %s ms offloaded", figures.Num(a.Median), figures.Num(b.Median))
}

// models lists the models of a workload in table order.
func models(w *Workload) []string {
	var out []string
	for _, g := range w.Groups {
		if len(out) == 0 || out[len(out)-1] != g.Key.Model {
			out = append(out, g.Key.Model)
		}
	}
	return out
}

// Cores is the server's CPU time over wall time: how many cores it kept
// busy (CPU from its finest source, the cgroup where there is one).
func Cores(p *results.Point) float64 {
	if p.Duration <= 0 {
		return math.NaN()
	}
	if p.Server.CPU > 0 {
		return p.Server.CPU / p.Duration
	}
	return (p.Server.CPUUser + p.Server.CPUSys) / p.Duration
}

func (k cast) claimCores(ws map[string]*Workload) Claim {
	c := Claim{
		Statement: "For CPU-heavy work, threads use more cores than an event loop that runs the work on its one thread.",
		Short:     "cores used", Threshold: coresRule,
		Rule: fmt.Sprintf("In cpu, for each event-loop model (%s) inline against %s at the highest connection count both were measured at, the paired ratio of cores used (server CPU time ÷ wall time), %s ÷ loop: %s. Inconclusive when the server had a single CPU: then no model can use more than one.",
			sentence(k.loops), k.threads, k.threads, coresRule),
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
		if n := results.CPUCount(gt.Points[0].ServerCPUs); n <= 1 {
			c.add(Inconclusive, fmt.Sprintf("cpu %s: %s ÷ %s", figures.Num(l), k.threads, s), "cpu at %s connections: the server had %d CPU (server_cpus %q), so threads could not use more than one core", figures.Num(l), n, gt.Points[0].ServerCPUs)
			continue
		}
		pr := pair(gt, gs, Cores)
		c.addPaired(coresRule.grade(pr.Ratio), pr, fmt.Sprintf("cpu %s: %s ÷ %s", figures.Num(l), k.threads, s), fmt.Sprintf("cpu at %s connections on %s CPUs: %s used %s cores (%s req/s), %s inline %s cores (%s req/s)",
			figures.Num(l), gt.Points[0].ServerCPUs, k.threads, figures.Num(pr.A.Median), figures.Num(median(gt, tput)), s, figures.Num(pr.B.Median), figures.Num(median(gs, tput))), "", gt, gs)
		if off := group(w, s, "cpu-offload", l); usable(off) {
			c.note(fmt.Sprintf("%s cpu-offload at %s connections used %s cores (%s req/s).",
				s, figures.Num(l), figures.Num(median(off, Cores)), figures.Num(median(off, tput))))
		}
		if s == k.reference {
			c.caveat("counts against the claim", fmt.Sprintf("%s's cores include V8's own threads (its collector and compiler), not only the loop's.", s))
		}
	}
	if len(c.Readings) > 0 {
		c.caveat("favours the claim", fmt.Sprintf("%s's CPU includes Go's scheduler scanning every slot (about a fifth of its CPU at 1,024 connections, servers/%s/doc.go), cores that a C thread-per-connection server would not use.", k.threads, k.threads))
	}
	return c
}

func (k cast) claimHomemade(ws map[string]*Workload, all []Workload) Claim {
	c := Claim{
		Statement: fmt.Sprintf("The homemade libuv-style loop (%s) is as efficient as %s.", k.homemade, k.peerNames()),
		Short:     "homemade loop's CPU", Threshold: homemadeRule,
		Rule: fmt.Sprintf("In plaintext, at the highest connection count both were measured at, the paired ratio of server CPU per request, %s's ÷ the other's: %s (CPU per request, because one client core cannot saturate the fast servers). Throughput and c10k memory are shown for context.",
			k.homemade, homemadeRule),
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
		pr := pair(ge, gother, cpu)
		c.addPaired(homemadeRule.grade(pr.Ratio), pr, fmt.Sprintf("plaintext %s: %s ÷ %s", figures.Num(l), k.homemade, o), fmt.Sprintf("plaintext at %s connections: %s %s µs per request against %s %s µs", figures.Num(l), k.homemade, figures.Num(pr.A.Median), o, figures.Num(pr.B.Median)),
			fmt.Sprintf("; throughput %s against %s req/s%s", figures.Num(median(ge, tput)), figures.Num(median(gother, tput)), boundNote(ge, gother)), ge, gother)
		if o == k.reference {
			c.caveat("favours "+k.homemade, fmt.Sprintf("%s's CPU per request includes V8 and node's HTTP layer, not only libuv, so the comparison with the real libuv is of whole servers.", o))
		}
	}
	if ws["c10k"] != nil {
		for _, pc := range BytesPerConn(all, "c10k") {
			if pc.Conns > 0 && (pc.Variant == "default" || pc.Variant == "") {
				c.note(fmt.Sprintf("c10k: %s %s KiB per connection (%s).", pc.Model, figures.KiB(pc.Bytes), pc.Source))
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
