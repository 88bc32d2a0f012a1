package workload

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"loopbench/harness/results"
)

// Bounds that keep a workload file from asking for something absurd.
const (
	MaxConnections = 100_000
	MaxPipeline    = 1024
	DefaultTimeout = 5 * time.Second
)

// serveFlags are the `loopbench serve` flags a variant may set.
var serveFlags = []string{"--cpu-offload", "--pool", "--loops", "--max-threads", "--io-uring"}

// validate checks every field and fills defaults. The first problem found is
// returned.
func (w *Workload) validate() error {
	checks := []func() error{w.checkHeader, w.checkMix, w.checkMode, w.checkTiming, w.checkVariants, w.checkServer, w.checkQuick, w.checkFIFOSlots, w.checkCapacity}
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

func (w *Workload) checkHeader() error {
	base := strings.TrimSuffix(filepath.Base(w.File), ".toml")
	switch {
	case w.Name == "":
		return w.errorf("name", "missing", fmt.Sprintf("add name = %q", base))
	case w.Name != base:
		return w.errorf("name", fmt.Sprintf("is %q but the file is %s", w.Name, filepath.Base(w.File)), "make the name and the file name agree, so `run --workload NAME` finds it")
	case w.Description == "":
		return w.errorf("description", "missing", "say in one sentence what the workload measures")
	}
	return nil
}

func (w *Workload) checkMix() error {
	if w.Mode == ModeReplay {
		if len(w.Mix) > 0 {
			return w.errorf("mix", "a replay takes its routes from the trace", "remove [[mix]] or use mode = \"open\"")
		}
		return nil
	}
	if len(w.Mix) == 0 {
		return w.errorf("mix", "missing", "add at least one [[mix]] table with target and weight")
	}
	for i, r := range w.Mix {
		f := fmt.Sprintf("mix[%d].", i)
		if r.Weight <= 0 {
			return w.errorf(f+"weight", fmt.Sprintf("must be > 0, got %g", r.Weight), "set a positive weight")
		}
		if err := CheckTarget(r.Target); err != nil {
			return w.errorf(f+"target", err.Error(), "use a route the application serves, e.g. \"/plaintext\" or \"/sleep?ms=10\"")
		}
		if err := w.checkNeeds(f+"target", r.Target); err != nil {
			return err
		}
	}
	return nil
}

// checkNeeds makes sure the server section provides what a target needs.
func (w *Workload) checkNeeds(field, target string) error {
	switch {
	case strings.HasPrefix(target, "/upstream") && !w.Server.Backend:
		return w.errorf(field, fmt.Sprintf("%s needs the backend", target), "set backend = true in [server]")
	case strings.HasPrefix(target, "/file") && !w.Server.Data:
		return w.errorf(field, fmt.Sprintf("%s needs the data files", target), "set data = true in [server]")
	case isFIFO(target) && !(w.Server.Backend && w.Server.Data):
		return w.errorf(field, fmt.Sprintf("%s needs the backend and the data directory, where the backend makes its FIFOs", target), "set backend = true and data = true in [server]")
	}
	return nil
}

func (w *Workload) checkMode() error {
	switch w.Mode {
	case ModeClosed:
		return w.checkClosed()
	case ModeOpen:
		return w.checkOpen()
	case ModeReplay:
		return w.checkReplay()
	case ModeIdle:
		return w.checkIdle()
	case ModeBurst:
		return w.checkBurst()
	}
	return w.errorf("mode", fmt.Sprintf("unknown mode %q", w.Mode), `choose "closed", "open", "replay", "idle" or "burst"`)
}

func (w *Workload) checkClosed() error {
	if len(w.Closed.Connections) == 0 {
		return w.errorf("closed.connections", "missing", "list the connection counts to sweep, e.g. [16, 64]")
	}
	if err := w.checkCounts("closed.connections", w.Closed.Connections); err != nil {
		return err
	}
	if w.Closed.ConnectRate < 0 {
		return w.errorf("closed.connect_rate", fmt.Sprintf("must be >= 0, got %g", w.Closed.ConnectRate), "use 0 for the default or connections per second")
	}
	if st := w.Closed.Stagger.Duration; st < 0 || (st > 0 && st > w.Warmup.Duration) || (w.QuickSettings != nil && w.QuickSettings.Warmup.Duration > 0 && st > w.QuickSettings.Warmup.Duration) {
		return w.errorf("closed.stagger", fmt.Sprintf("%v must be between 0 and the warm-up (%v, quick's %v)", st, w.Warmup.Duration, w.Quick().Warmup.Duration),
			"give the warm-up at least the stagger, so that every connection has started before the window opens")
	}
	if w.Closed.Pipeline < 0 || w.Closed.Pipeline > MaxPipeline {
		return w.errorf("closed.pipeline", fmt.Sprintf("must be 0..%d, got %d", MaxPipeline, w.Closed.Pipeline), "use 1 (or leave it out) for no pipelining")
	}
	return nil
}

func (w *Workload) checkBurst() error {
	if len(w.Burst.Connections) == 0 {
		return w.errorf("burst.connections", "missing", "list how many clients arrive at once, e.g. [1000, 4000]")
	}
	return w.checkCounts("burst.connections", w.Burst.Connections)
}

func (w *Workload) checkCounts(field string, counts []int) error {
	for _, c := range counts {
		if c < 1 || c > MaxConnections {
			return w.errorf(field, fmt.Sprintf("must be 1..%d, got %d", MaxConnections, c), "use a positive connection count")
		}
	}
	return nil
}

func (w *Workload) checkOpen() error {
	o := w.Open
	switch {
	case len(o.Rates) > 0 && o.Sweep != nil:
		return w.errorf("open.sweep", "set together with open.rates", "keep only one of rates and sweep")
	case len(o.Rates) == 0 && o.Sweep == nil:
		return w.errorf("open.rates", "missing", "list the rates in requests per second, or give a sweep = {from, to, steps}")
	case o.Connections < 1 || o.Connections > MaxConnections:
		return w.errorf("open.connections", fmt.Sprintf("must be 1..%d, got %d", MaxConnections, o.Connections), "set the size of the connection pool the requests are sent on")
	}
	if err := w.checkRates("open.rates", o.Rates); err != nil {
		return err
	}
	if s := o.Sweep; s != nil && (s.From <= 0 || s.To < s.From || s.Steps < 1) {
		return w.errorf("open.sweep", fmt.Sprintf("from %g, to %g, steps %d is not a sweep", s.From, s.To, s.Steps), "use from > 0, to >= from and steps >= 1")
	}
	if err := w.checkRates("open.shape_rates", o.ShapeRates); err != nil {
		return err
	}
	for _, r := range o.ShapeRates {
		if slices.Contains(w.rates(), r) {
			return w.errorf("open.shape_rates", fmt.Sprintf("%g is also in open.rates", r), "list each rate once")
		}
	}
	if o.ShapeRepetitions < 0 {
		return w.errorf("open.shape_repetitions", fmt.Sprintf("must be >= 1, got %d", o.ShapeRepetitions), "set how many times each shape rate is measured (default 1)")
	}
	return nil
}

func (w *Workload) checkRates(field string, rates []float64) error {
	for _, r := range rates {
		if r <= 0 {
			return w.errorf(field, fmt.Sprintf("must be > 0, got %g", r), "use positive rates in requests per second")
		}
	}
	return nil
}

func (w *Workload) checkReplay() error {
	if w.Replay.Trace == "" {
		return w.errorf("replay.trace", "missing", "name a trace file relative to the workload file, e.g. \"traces/bursty.trace\"")
	}
	if w.Replay.Connections < 1 || w.Replay.Connections > MaxConnections {
		return w.errorf("replay.connections", fmt.Sprintf("must be 1..%d, got %d", MaxConnections, w.Replay.Connections), "set the size of the connection pool the trace is sent on")
	}
	return nil
}

func (w *Workload) checkIdle() error {
	i := w.Idle
	if len(i.Connections) == 0 {
		return w.errorf("idle.connections", "missing", "set how many idle connections to hold, or a list of counts for a slope, e.g. [1000, 4000, 10000]")
	}
	if err := w.checkCounts("idle.connections", i.Connections); err != nil {
		return err
	}
	switch {
	case i.ProbeConnections < 1:
		return w.errorf("idle.probe_connections", fmt.Sprintf("must be >= 1, got %d", i.ProbeConnections), "set the connections of the light probe load, e.g. 4")
	case i.ProbeRate < 0:
		return w.errorf("idle.probe_rate", fmt.Sprintf("must be >= 0, got %g", i.ProbeRate), "use 0 for a closed-loop probe or a rate in requests per second")
	case i.ConnectRate < 0:
		return w.errorf("idle.connect_rate", fmt.Sprintf("must be >= 0, got %g", i.ConnectRate), "use 0 for the default or connections per second")
	}
	return nil
}

func (w *Workload) checkTiming() error {
	switch {
	case w.Duration.Duration <= 0:
		return w.errorf("duration", fmt.Sprintf("must be > 0, got %v", w.Duration.Duration), "set the measured time, e.g. duration = \"5s\"")
	case w.Warmup.Duration < 0:
		return w.errorf("warmup", fmt.Sprintf("must be >= 0, got %v", w.Warmup.Duration), "use \"0s\" for no warm-up")
	case w.Timeout.Duration < 0:
		return w.errorf("timeout", fmt.Sprintf("must be >= 0, got %v", w.Timeout.Duration), "leave it out for the default of "+DefaultTimeout.String())
	case w.Repetitions < 0:
		return w.errorf("repetitions", fmt.Sprintf("must be >= 1, got %d", w.Repetitions), "set how many times each point is measured")
	}
	if w.Timeout.Duration == 0 {
		w.Timeout.Duration = DefaultTimeout
	}
	w.Repetitions = max(1, w.Repetitions)
	return nil
}

// CheckModels checks the workload against the model table the run will
// record (results.Model): every model it names must be in the table, and
// every variant must be one that each model it applies to declares, with
// the flags the model declares for it, so that a misspelt variant or one a
// model does not honour is caught before anything runs. Load cannot do it
// itself: the workload format does not depend on the model table.
func (w *Workload) CheckModels(table []results.Model) error {
	var known []string
	for _, m := range table {
		known = append(known, m.Name)
	}
	if err := w.checkModelNames("models", w.Models, known); err != nil {
		return err
	}
	for i, v := range w.Variants {
		if err := w.checkModelNames(fmt.Sprintf("variants[%d].models", i), v.Models, known); err != nil {
			return err
		}
		for _, m := range table {
			if err := w.checkDeclared(i, &m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Workload) checkModelNames(field string, names, known []string) error {
	for _, m := range names {
		if !slices.Contains(known, m) {
			return w.errorf(field, fmt.Sprintf("unknown model %q", m), "choose from: "+strings.Join(known, ", "))
		}
		if w.Models != nil && !slices.Contains(w.Models, m) {
			return w.errorf(field, fmt.Sprintf("model %q is not among the workload's models", m), "add it to models or remove it here")
		}
	}
	return nil
}

// checkDeclared checks that model m, if variant i applies to it, declares
// that variant with the same flags.
func (w *Workload) checkDeclared(i int, m *results.Model) error {
	v := w.Variants[i]
	listed := len(v.Models) > 0
	if w.Models != nil && !slices.Contains(w.Models, m.Name) || listed && !slices.Contains(v.Models, m.Name) {
		return nil
	}
	field := fmt.Sprintf("variants[%d].name", i)
	if listed {
		field = fmt.Sprintf("variants[%d].models", i)
	}
	decl, ok := m.Declares(v.Name)
	if !ok {
		return w.errorf(field, fmt.Sprintf("model %s declares no variant %q (it declares: %s)", m.Name, v.Name, variantNames(m)),
			fmt.Sprintf("correct the variant's name, or list in variants[%d].models only models that declare it", i))
	}
	if !slices.Equal(decl.Flags, v.Flags) {
		return w.errorf(fmt.Sprintf("variants[%d].flags", i), fmt.Sprintf("%q, but model %s makes variant %q with %q", v.Flags, m.Name, v.Name, decl.Flags),
			fmt.Sprintf("use %q, or give these flags a name of their own", decl.Flags))
	}
	return nil
}

// variantNames lists the variants m declares, or says it has none.
func variantNames(m *results.Model) string {
	var names []string
	for _, v := range m.Variants {
		names = append(names, v.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func (w *Workload) checkVariants() error {
	seen := map[string]bool{}
	for i, v := range w.Variants {
		f := fmt.Sprintf("variants[%d].", i)
		switch {
		case v.Name == "" || v.Name == DefaultVariant:
			return w.errorf(f+"name", fmt.Sprintf("%q is not a variant name", v.Name), "name it after its flags, e.g. \"cpu-offload\"")
		case seen[v.Name]:
			return w.errorf(f+"name", fmt.Sprintf("variant %q is defined twice", v.Name), "give each variant its own name")
		case len(v.Flags) == 0:
			return w.errorf(f+"flags", "missing", "list the serve flags, e.g. [\"--cpu-offload\"]")
		}
		seen[v.Name] = true
		if err := w.checkFlags(f+"flags", v.Flags); err != nil {
			return err
		}
	}
	return nil
}

func (w *Workload) checkFlags(field string, flags []string) error {
	for _, fl := range flags {
		if !strings.HasPrefix(fl, "-") {
			continue // the value of the previous flag
		}
		name, _, _ := strings.Cut(fl, "=")
		if !slices.Contains(serveFlags, name) {
			return w.errorf(field, fmt.Sprintf("%q is not a serve flag a variant may set", fl), "use one of "+strings.Join(serveFlags, ", "))
		}
	}
	return nil
}

func (w *Workload) checkServer() error {
	if w.Server.CPUs != "" && w.Server.CPUs != "all" {
		return w.errorf("server.cpus", fmt.Sprintf("unknown value %q", w.Server.CPUs), `leave it out for the runner's server CPUs, or write "all"`)
	}
	return w.checkCPUCounts()
}

// MaxCPUCount bounds a count of server.cpu_counts: far beyond any host
// loopbench runs on, so a typo is caught before the runner compares the
// counts with the host (CheckCPUCounts).
const MaxCPUCount = 1024

// checkCPUCounts checks server.cpu_counts: positive counts, ascending, each
// once, at one load level (the levels are then the counts).
func (w *Workload) checkCPUCounts() error {
	const f = "server.cpu_counts"
	counts := w.Server.CPUCounts
	if counts == nil {
		return nil
	}
	if len(counts) == 0 {
		return w.errorf(f, "empty", "list the CPU counts to give the server, e.g. [1, 2], or remove the field")
	}
	for i, k := range counts {
		switch {
		case k < 1 || k > MaxCPUCount:
			return w.errorf(f, fmt.Sprintf("must be 1..%d, got %d", MaxCPUCount, k), "give the server at least one CPU")
		case i > 0 && k <= counts[i-1]:
			return w.errorf(f, fmt.Sprintf("%d follows %d", k, counts[i-1]), "list each count once, ascending, e.g. [1, 2, 4]")
		}
	}
	if n := len(w.loadLevels()); n != 1 {
		return w.errorf(f, fmt.Sprintf("the workload has %d load levels", n),
			"hold the load at one level (one connection count or one rate, no shape rates) in a workload that sweeps CPU counts, so that its levels are the counts; split the others into workloads of their own")
	}
	return nil
}

// CheckCPUCounts checks the workload's CPU counts against what a run can
// give its server, where: its own CPU set has own CPUs, and the host has
// all, which the server may take only by sharing the load generator's,
// and only with server.cpus = "all" (a light client's workload). host
// names the host and its CPUs in the error, e.g. "this host (CPUs 0-1)".
func (w *Workload) CheckCPUCounts(own, all int, host string) error {
	const f = "server.cpu_counts"
	for _, k := range w.Server.CPUCounts {
		switch {
		case k > all:
			return w.errorf(f, fmt.Sprintf("%d CPUs, but %s has %d for the server", k, host, all),
				fmt.Sprintf("list counts up to %d here, or run the servers on a bigger host (run --server-host)", all))
		case k > own && w.Server.CPUs != "all":
			return w.errorf(f, fmt.Sprintf("%d CPUs, but the server's CPU set on %s has %d and the server does not share the load generator's", k, host, own),
				fmt.Sprintf(`list counts up to %d, give the server more CPUs with run --server-cpus, or set cpus = "all" in [server] if the client's load is light enough to share its CPUs`, own))
		}
	}
	return nil
}

func (w *Workload) checkQuick() error {
	q := w.QuickSettings
	if q == nil {
		return nil
	}
	switch {
	case q.Duration.Duration < 0 || q.Warmup.Duration < 0 || q.Repetitions < 0:
		return w.errorf("quick", "durations and repetitions must not be negative", "use positive values, or leave a field out to keep the workload's")
	case len(q.Connections) > 0 && w.Mode != ModeClosed && w.Mode != ModeBurst:
		return w.errorf("quick.connections", "only a closed loop or a burst sweeps connections", "remove it")
	case len(q.Rates) > 0 && w.Mode != ModeOpen:
		return w.errorf("quick.rates", "only an open loop sweeps rates", "remove it")
	case q.IdleConnections != 0 && w.Mode != ModeIdle:
		return w.errorf("quick.idle_connections", "only an idle workload holds idle connections", "remove it")
	case len(w.Server.CPUCounts) > 0 && (len(q.Connections) > 1 || len(q.Rates) > 1):
		return w.errorf("quick", "more than one load level in a workload that sweeps CPU counts", "give quick one connection count or one rate")
	}
	if err := w.checkCounts("quick.connections", q.Connections); err != nil {
		return err
	}
	if q.IdleConnections < 0 || q.IdleConnections > MaxConnections {
		return w.errorf("quick.idle_connections", fmt.Sprintf("must be 1..%d, got %d", MaxConnections, q.IdleConnections), "use a positive count")
	}
	return w.checkRates("quick.rates", q.Rates)
}
