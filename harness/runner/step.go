package runner

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"loopbench/harness/meter"
	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// startServices writes the data files and starts the backend, if any step
// needs them. Both run on the client's CPUs, so the server's CPUs measure
// the server alone.
func (r *Runner) startServices() error {
	if r.cfg.Remote != nil {
		return r.startRemoteServices()
	}
	var data, backend bool
	for _, s := range r.plan.Steps {
		data = data || s.Workload.Server.Data
		backend = backend || s.Workload.Server.Backend
	}
	if data {
		r.dataDir = filepath.Join(r.tmp, "data")
		out, err := exec.Command(r.cfg.Binary, "data", "--dir", r.dataDir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("writing the data files with `%s data`: %v: %s", r.cfg.Binary, err, strings.TrimSpace(string(out)))
		}
	}
	if !backend {
		return nil
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	c, err := proc.Start(proc.Spec{Name: "backend", Argv: []string{r.cfg.Binary, "backend", "--addr", addr}, CPUs: r.client, Taskset: r.taskset})
	if err != nil {
		return err
	}
	r.backend, r.backAdr = c, addr
	if err := c.WaitPort(context.Background(), addr, readyTimeout); err != nil {
		return fmt.Errorf("the backend did not start: %v: %s", err, c.Output())
	}
	r.note(fmt.Sprintf("the backend that /upstream calls runs on the load generator's CPUs %s; its CPU time counts in the client's utilization (client-bound flag), not in the server's figures", r.client))
	return nil
}

// runStep measures one point on a server process started for it alone, so
// its peak memory and loop lag are the point's own. A server that does not
// start, or dies, gives a failed point.
func (r *Runner) runStep(ctx context.Context, s Step) {
	if r.rem != nil {
		r.runRemoteStep(ctx, s)
		return
	}
	srv, err := r.startServer(r.serverSpec(s))
	if err != nil {
		r.record(s, r.failed(s, err))
		return
	}
	defer srv.removeGroup()
	p, ok := r.measure(ctx, srv, s)
	if !p.Failed || !srv.Exited() {
		r.stopServer(srv, p)
	} else {
		srv.Kill()
	}
	srv.removeGroup()
	if ok {
		r.record(s, p)
	}
}

// slowStop is the stop time from which the terminal mentions it.
const slowStop = 500 * time.Millisecond

// stopServer stops a point's server and gives its loop lag to the point.
func (r *Runner) stopServer(srv *server, p *results.Point) {
	t0 := time.Now()
	lag, err := srv.stopAndReadLag()
	if err != nil {
		fmt.Fprintf(r.cfg.Log, "note: %s: %v\n", srv.Name(), err)
	}
	if d := time.Since(t0); d > slowStop {
		fmt.Fprintf(r.cfg.Log, "note: %s took %v to stop after SIGTERM\n", srv.Name(), d.Round(10*time.Millisecond))
	}
	if lag != nil && p != nil && !p.Failed {
		p.LoopLag = lag
	}
}

func (r *Runner) serverSpec(s Step) serverSpec {
	spec := serverSpec{binary: r.cfg.Binary, model: s.Run.Model, flags: s.Run.Variant.Flags, cpus: r.serverCPUs(s.Workload), tmpDir: r.tmp}
	if s.Side != nil {
		if s.Side.Binary != "" {
			spec.binary = s.Side.Binary
		}
		spec.flags = append(slices.Clip(spec.flags), s.Side.Flags...)
	}
	if s.Workload.Server.Data {
		spec.dataDir = r.dataDir
	}
	if s.Workload.Server.Backend {
		spec.backend = r.backAdr
	}
	return spec
}

// serverCPUs is the server's CPU set for a workload: every CPU for
// server.cpus = "all", else the runner's server set.
func (r *Runner) serverCPUs(w *workload.Workload) proc.CPUSet {
	if w.Server.CPUs == "all" {
		return r.all
	}
	return r.server
}

// newPoint describes the point before it is measured.
func (r *Runner) newPoint(s Step) *results.Point {
	l := s.Level
	return &results.Point{
		Workload: s.Workload.Name, Model: s.Run.Model, Variant: s.Run.Variant.Name, Flags: s.Run.Variant.Flags,
		Mode: s.Workload.Mode, Connections: l.Connections, Pipeline: l.Pipeline, Rate: l.Rate,
		IdleConnections: l.IdleConnections, Rep: s.Rep, Side: sideName(s.Side),
		ServerCPUs: r.serverCPUs(s.Workload).String(), ClientCPUs: r.client.String(), Start: time.Now().UTC(),
	}
}

func sideName(s *Side) string {
	if s == nil {
		return ""
	}
	return s.Name
}

// failed is a point that could not be measured.
func (r *Runner) failed(s Step, err error) *results.Point {
	p := r.newPoint(s)
	p.Failed, p.FailReason = true, err.Error()
	p.Validity = results.Validity{Status: results.Failed, Reasons: []string{p.FailReason}}
	if se, ok := errors.AsType[*serverError](err); ok {
		p.Stderr = se.output
	}
	return p
}

// measure runs one point. It returns false if ctx was cancelled: the point
// is then dropped.
func (r *Runner) measure(ctx context.Context, srv *server, s Step) (*results.Point, bool) {
	p := r.newPoint(s)
	mc := meter.Config{PID: srv.PID(), ClientCPUs: len(r.client), Group: srv.group, ServerCPUs: r.serverCPUs(s.Workload)}
	if s.Workload.Server.Backend && r.backend != nil {
		mc.BackendPID = r.backend.PID()
	}
	m := meter.New(mc)
	req := LoadRequest{Addr: srv.addr, Workload: s.Workload, Level: s.Level, Seed: int64(s.Rep + 1), OnMeasure: m.Begin, OnMeasureEnd: m.Finish, Answered: m.Answered()}
	loadCtx, cancel := whileAlive(ctx, srv)
	loadErr := r.cfg.Load(loadCtx, req, p)
	cancel()
	gone := m.Fill(p)
	if ctx.Err() != nil {
		return p, false
	}
	r.judge(p, srv, loadErr, gone)
	m.Validate(p)
	return p, true
}

// whileAlive returns a context that is cancelled with ctx, by cancel, or as
// soon as the server exits, so a crashed server ends its point at once.
func whileAlive(ctx context.Context, srv *server) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-srv.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// judge marks a point failed when the server exited, the load generator
// failed, nothing was answered correctly, or the server no longer answers
// GET /plaintext after the point.
func (r *Runner) judge(p *results.Point, srv *server, loadErr error, gone bool) {
	if gone {
		select { // the exit may be a moment behind the failed /proc read
		case <-srv.Done():
		case <-time.After(time.Second):
		}
	}
	switch {
	case srv.Exited():
		p.Failed, p.FailReason = true, srv.ExitReason()+" during the point"
	case loadErr != nil:
		p.Failed, p.FailReason = true, "load generator: "+loadErr.Error()
	case p.Requests == 0:
		p.Failed, p.FailReason = true, "no correct answers"+errorSummary(p.Errors)
	default:
		err := srv.Poll(context.Background(), r.answerTimeout, func() error { return checkPlaintext(srv.addr) })
		if err == nil {
			return
		}
		p.Failed, p.FailReason = true, "the server stopped answering: "+err.Error()
	}
	p.Stderr = srv.Output()
}

func errorSummary(errs map[string]int64) string {
	if len(errs) == 0 {
		return ""
	}
	var parts []string
	for k, v := range errs {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return " (errors: " + strings.Join(parts, ", ") + ")"
}
