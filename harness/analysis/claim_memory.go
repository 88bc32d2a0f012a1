package analysis

import (
	"fmt"
	"math"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// MemoryConfidence is the confidence of each slope a memory reading
// divides: 97.5% each, so their ratio's interval holds at 95% at least.
const MemoryConfidence = 0.975

// claimMemory reads claim 1 from c10k's slopes: for each event loop
// against the thread per connection (and against a thread per connection
// without Go's runtime, where the run has one), the ratio of the memory
// one more held connection costs.
func (k cast) claimMemory(ws map[string]*Workload) Claim {
	c := Claim{Statement: "An event loop serves many mostly-waiting connections with far less memory than one thread per connection.",
		Short: "memory per connection", Threshold: memoryRule}
	c.Rule = fmt.Sprintf("Experiment c10k (workloads/c10k.toml): each model holds 1,000, 4,000 and 10,000 idle connections (each answered once), repeated; the memory one more held connection costs is the slope of the server cgroup's charge (user memory, the kernel's share and socket buffers; process RSS where there is no cgroup) against the connections held, fitted through every usable point with its %.1f%% interval. For each event-loop model (%s) against each thread per connection (%s), the ratio of the slopes, its interval [loop's low ÷ threads' high, loop's high ÷ threads' low] (at least 95%%): %s. It would have been refuted had an event loop's slope come out above the threads'.",
		100*MemoryConfidence, sentence(k.loops), sentence(k.threadModels()), memoryRule)
	w := ws["c10k"]
	if w == nil {
		return c
	}
	slopes := map[string]Slope{}
	for _, s := range Slopes(w, MemoryConfidence) {
		if s.Variant == "default" || s.Variant == "" {
			slopes[s.Model] = s
		}
	}
	for _, t := range k.threadModels() {
		ts, ok := slopes[t]
		for _, l := range k.loops {
			ls, have := slopes[l]
			label := "c10k: " + l + " ÷ " + t
			switch {
			case !have:
				continue
			case !ok || !ts.Total.OK() || !ls.Total.OK():
				c.add(NotMeasured, label, "c10k: %s or %s has too few usable points for a slope (%d and %d points)", l, t, ls.Total.N, ts.Total.N)
				continue
			}
			mid, lo, hi := Ratio(ls.Total, ts.Total)
			st := results.Stat{Median: mid, Lo: lo, Hi: hi, Min: lo, Max: hi, N: min(ls.Total.N, ts.Total.N)}
			c.Readings = append(c.Readings, Reading{Verdict: memoryRule.grade(st), Label: label, Ratio: st,
				Text: fmt.Sprintf("c10k: %s %s per held connection against %s %s: %s", l, kib(ls.Total), t, kib(ts.Total), ratioText(st))})
		}
	}
	for _, name := range append(k.threadModels(), k.loops...) {
		if s, ok := slopes[name]; ok && s.Total.OK() {
			c.note(slopeNote(s))
			if s.Source == SourceRSS {
				c.caveat("counts against the claim", fmt.Sprintf("%s's slope is of process RSS (no cgroup figures), which leaves out kernel memory: socket buffers, and a thread's kernel stack and page tables, which a thread per connection needs more of, so a confirmation on RSS understates the gap.", name))
			}
		}
	}
	if th, ref := slopes[k.threads], slopes[k.threadRef]; th.Total.OK() && ref.Total.OK() {
		c.note(fmt.Sprintf("Of %s's %s KiB per held connection, a plain OS thread per connection (%s, written in C, default stack) costs %s KiB: the OS thread and its kernel objects are that much, and the other %s KiB is what Go's runtime adds to each locked thread (its scheduler slot, goroutine and thread state).",
			k.threads, figures.KiB(th.Total.Slope), k.threadRef, figures.KiB(ref.Total.Slope), figures.KiB(th.Total.Slope-ref.Total.Slope)))
	}
	if len(c.Readings) > 0 {
		c.referenceCaveat(k, "memory includes V8's heap and node's HTTP layer, not only libuv's")
	}
	return c
}

// threadModels are the thread-per-connection models the event loops are
// held against: the Go one and, where the run has it, the C one.
func (k cast) threadModels() []string {
	if k.threadRef == "" {
		return []string{k.threads}
	}
	return []string{k.threads, k.threadRef}
}

// kib writes a slope in KiB with its interval: "4.61 KiB [4.4, 4.8]".
func kib(f Fit) string {
	return fmt.Sprintf("%s KiB [%s, %s]", figures.KiB(f.Slope), figures.KiB(f.Lo), figures.KiB(f.Hi))
}

// ratioText writes a ratio with its interval and the points behind it.
func ratioText(st results.Stat) string {
	if math.IsNaN(st.Median) {
		return "no ratio"
	}
	return fmt.Sprintf("%s [%s, %s], %d points a side", figures.Ratio(st.Median), figures.Sig3(st.Lo), figures.Sig3(st.Hi), st.N)
}

// slopeNote describes one model's slope and its parts.
func slopeNote(s Slope) string {
	parts := fmt.Sprintf("RSS %s", kib(s.RSS))
	if s.Source == SourceCgroup {
		parts = fmt.Sprintf("user %s, kernel %s, socket buffers %s; RSS %s", kib(s.User), kib(s.Kernel), kib(s.Sock), kib(s.RSS))
	}
	extra := ""
	if s.Partial+s.Failed > 0 {
		extra = fmt.Sprintf("; %d partial and %d failed points left out", s.Partial, s.Failed)
	}
	return fmt.Sprintf("c10k, %s: %s per held connection from %s (%s), %d points over %d counts, fixed cost %s MiB%s.",
		s.Model, kib(s.Total), s.Source, parts, s.Total.N, s.Total.Levels, figures.MiB(s.Total.Intercept), extra)
}
