// Package torture attacks each server model with hostile clients and faults
// (the scenarios of scenarios.go), one fresh server process per model and
// scenario, while a light probe load measures whether everyone else is still
// served. It records, per model and scenario, whether the server survived,
// the probe's success rate and p99 during the attack, peak memory (with the
// kernel's share where a cgroup shows it), and threads and descriptors
// before, during and after, so a leak shows as a count that does not come
// back. Every scenario is bounded in time and in count, and all traffic goes
// to 127.0.0.1.
package torture

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"loopbench/servers/model"
)

// Options configure a torture run.
type Options struct {
	// Binary is the loopbench executable whose `serve` runs each model.
	Binary string
	// Models and Scenarios to run, in order; every pair runs.
	Models, Scenarios []string
	// HeadTimeout is the --head-timeout the servers are started with
	// (shorter than the default, to fit the run's time budget).
	HeadTimeout time.Duration
	// DataDir is the directory /file serves from.
	DataDir string
	// Scale multiplies every scenario's duration and count (1: as
	// documented; tests run a fraction).
	Scale float64
	// Progress receives a line per scenario; nil discards them.
	Progress io.Writer
}

// minAttack is the shortest window the probe measures, however quickly a
// scenario's clients are done.
const minAttack = 2 * time.Second

// DefaultHeadTimeout is the head timeout torture starts servers with: a
// fifth of model.DefaultHeadTimeout, so slowloris fits the time budget.
const DefaultHeadTimeout = 2 * time.Second

// Run runs every scenario against every model and returns the results in
// that order. It stops early, with what it has, when ctx is cancelled.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.HeadTimeout <= 0 {
		o.HeadTimeout = DefaultHeadTimeout
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	for _, name := range o.Scenarios {
		if _, err := Lookup(name); err != nil {
			return nil, err
		}
	}
	rep := &Report{Schema: Schema, Start: time.Now().UTC(), HeadTimeout: o.HeadTimeout.String(),
		IdleTimeout: model.DefaultIdleTimeout.String(), MaxUnsent: model.DefaultMaxUnsent, Scale: o.Scale}
	for _, m := range o.Models {
		for _, name := range o.Scenarios {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			sc, _ := Lookup(name)
			r := runOne(ctx, o, m, sc)
			fmt.Fprintf(o.Progress, "torture: %-9s %-22s %s\n", m, sc.Name, r.Summary())
			rep.Results = append(rep.Results, r)
		}
	}
	rep.End = time.Now().UTC()
	return rep, nil
}

// Failed returns the results that did not survive among models.
func (r *Report) Failed(models []string) []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.Survived && slices.Contains(models, res.Model) {
			out = append(out, res)
		}
	}
	return out
}

// runOne starts a fresh server, measures its baseline, runs the scenario
// beside the probe, lets the server settle and measures it again.
func runOne(ctx context.Context, o Options, modelName string, sc Scenario) Result {
	r := Result{Model: modelName, Scenario: sc.Name}
	srv, err := startServer(ctx, o, modelName, sc)
	if err != nil {
		r.fail("start: %v", err)
		return r
	}
	defer srv.stop()
	r.Memory = srv.memorySource()
	base := srv.snapshot()
	r.BaselineFDs, r.BaselineThreads = base.fds, base.threads
	env := &Env{Model: modelName, Addr: srv.addr, HeadTimeout: o.HeadTimeout, Scale: o.Scale, server: srv}
	probe := startProbe(srv.addr)
	sampling := srv.sample()
	begin := time.Now()
	attackErr := sc.Run(ctx, env)
	time.Sleep(env.dur(minAttack) - time.Since(begin)) // a quick attack still gets probed
	probed := probe.stop()
	peak := sampling.stop()
	r.ProbeOK, r.ProbeFailed, r.ProbeP99Ms = probed.ok, probed.failed, probed.p99Ms()
	r.PeakRSS, r.PeakMemory, r.PeakKernel = peak.rss, peak.memory, peak.kernel
	r.PeakFDs, r.PeakThreads = peak.fds, peak.threads
	r.Notes = append(r.Notes, env.notes...)
	r.Timeline = env.timeline
	if attackErr != nil {
		r.fail("%v", attackErr)
	}
	if grown, limit := peak.memory-base.memory, sc.memoryLimit(env); sc.Bounded && grown > limit {
		r.fail("memory grew by %s (bound %s)", mib(grown), mib(limit))
	}
	r.judgeAfter(srv, base)
	return r
}
