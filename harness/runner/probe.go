package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"loopbench/harness/energy"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// Points measured on demand.
//
// A capacity search decides each rate it probes from the probes before it,
// so it cannot be planned as the run's steps are: it measures each probe
// through Probe, which measures a point exactly as a step of the plan is
// measured (a fresh server, the same load, the same meter and validity)
// but leaves it to the caller instead of recording it with the run's
// points. Run calls it for the searches its Config asks for; Open and
// Close let a caller measure points on demand outside Run.

// Open sets the run up as Run does (its results directory, the data files
// and the backend) so that Probe can measure; Close ends it.
func (r *Runner) Open() error {
	if err := r.setUp(); err != nil {
		r.tearDown()
		return err
	}
	if err := r.startServices(); err != nil {
		r.tearDown()
		return err
	}
	r.priceServer()
	return nil
}

// Close writes the results as finished, stops the backend and returns the
// run and its directory.
func (r *Runner) Close() (*results.Run, string, error) {
	defer r.tearDown()
	r.run.Finished = time.Now().UTC()
	return r.run, r.dir, r.write()
}

// Probe measures one point of workload w (as prepared for the run: quick,
// repetitions and duration applied, or made by Workload.ProbeAt) at level
// l, for model in variant v, on a fresh server, and returns it without
// recording it in the run's points. A server that does not start gives a
// failed point and the error; a point cut short by ctx gives nil and ctx's
// error. It may be called during Run (from a capacity search) or between
// Open and Close.
func (r *Runner) Probe(ctx context.Context, model string, v workload.Variant, w *workload.Workload, l workload.Level) (*results.Point, error) {
	if r.run == nil {
		return nil, fmt.Errorf("runner: Probe before Open")
	}
	if v.Name == "" {
		v.Name = workload.DefaultVariant
	}
	return r.point(ctx, Step{Workload: w, Run: workload.Run{Model: model, Variant: v}, Level: l})
}

// priceServer records the price per hour of the servers' machine, where
// the run was given one: in the run's environment and in the description
// of its server host.
func (r *Runner) priceServer() {
	p := r.cfg.PricePerHour
	if p <= 0 {
		return
	}
	r.run.Env.PricePerHour = p
	for i := range r.run.Env.Hosts {
		if strings.HasPrefix(r.run.Env.Hosts[i].Role, "server") {
			r.run.Env.Hosts[i].PricePerHour = p
		}
	}
}

// energyNote says whether the points' energy is read, from which
// counters, or why not: the RAPL counters are this host's, so a server on
// another host has none read.
func (r *Runner) energyNote() string {
	if r.cfg.Remote != nil {
		return "not read: the servers run on another host, and the counters loopbench reads are this host's"
	}
	zones, err := energy.Read()
	if err != nil {
		why := "no readable RAPL zone under " + energy.Root
		if cause := strings.TrimPrefix(err.Error(), energy.ErrNotExposed.Error()+": "); cause != err.Error() {
			why += " (" + cause + ")"
		}
		return "not exposed on this host: " + why
	}
	var names []string
	for _, z := range zones {
		names = append(names, z.Name)
	}
	return fmt.Sprintf("read from the RAPL counters of %s over each point's window: the whole CPU package, the load generator's share included where it shares the package with the server", strings.Join(names, ", "))
}
