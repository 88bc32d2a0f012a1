package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/validity"
	"loopbench/harness/workload"
)

// startServices writes the data files and starts the backend where the
// servers run, if any step needs them.
func (r *Runner) startServices() error {
	var data, backend bool
	for _, s := range r.plan.Steps {
		data = data || s.Workload.Server.Data
		backend = backend || s.Workload.Server.Backend
	}
	return r.host.setUp(data, backend)
}

// runStep measures one point on a server process started for it alone, so
// its peak memory and loop lag are the point's own. A server that does not
// start, or dies, gives a failed point.
func (r *Runner) runStep(ctx context.Context, s Step) {
	if p, _ := r.point(ctx, s); p != nil {
		r.record(s, p)
	}
}

// point measures step s on a server started for it alone: the point, a
// failed point with the error when the server did not start, or nil when
// ctx was cancelled during the point.
func (r *Runner) point(ctx context.Context, s Step) (*results.Point, error) {
	srv, err := r.startServer(s)
	if err != nil {
		return r.failed(s, err), err
	}
	p, w, ok := r.measure(ctx, srv, s)
	r.stopServer(srv, p, w)
	if !ok {
		return nil, ctx.Err()
	}
	return p, nil
}

// slowStop is the stop time from which the terminal mentions it.
const slowStop = 500 * time.Millisecond

// stopServer stops a point's server and gives the point the backend the
// server used and its loop lag over the window w.
func (r *Runner) stopServer(srv *server, p *results.Point, w *window) {
	t0 := time.Now()
	err := srv.proc.stop()
	if d := time.Since(t0); d > slowStop {
		fmt.Fprintf(r.cfg.Log, "note: %s took %v to stop after SIGTERM\n", srv.name, d.Round(10*time.Millisecond))
	}
	st, offset, rerr := srv.proc.result()
	if err := errors.Join(err, rerr); err != nil {
		fmt.Fprintf(r.cfg.Log, "note: %s: %v\n", srv.name, err)
	}
	if st == nil {
		return
	}
	p.Backend = st.Backend
	if !p.Failed {
		p.LoopLag = r.pointLag(srv.name, st, offset, w)
	}
}

func (r *Runner) serverSpec(s Step) serverSpec {
	spec := serverSpec{binary: r.cfg.Binary, model: s.Run.Model, flags: s.Run.Variant.Flags, cpus: r.serverCPUs(s.Workload, s.Level),
		count: s.Level.CPUs, data: s.Workload.Server.Data, backend: s.Workload.Server.Backend}
	if s.Side != nil {
		if s.Side.Binary != "" {
			spec.binary = s.Side.Binary
		}
		spec.flags = append(slices.Clip(spec.flags), s.Side.Flags...)
	}
	return spec
}

// serverCPUs is the server's CPU set at level l of workload w: k CPUs at a
// level that gives the server k (the first k of the server set, then, with
// server.cpus = "all", the client's from the highest down: proc's First;
// New checked that there are k), every CPU for server.cpus = "all", else
// the runner's server set.
func (r *Runner) serverCPUs(w *workload.Workload, l workload.Level) proc.CPUSet {
	switch {
	case l.CPUs > 0 && w.Server.CPUs == "all":
		return r.server.First(l.CPUs, r.all)
	case l.CPUs > 0:
		return r.server.First(l.CPUs, nil)
	case w.Server.CPUs == "all":
		return r.all
	}
	return r.server
}

// newPoint describes the point before it is measured.
func (r *Runner) newPoint(s Step) *results.Point {
	l := s.Level
	p := &results.Point{
		Workload: s.Workload.Name, Model: s.Run.Model, Variant: s.Run.Variant.Name, Flags: s.Run.Variant.Flags,
		Mode: s.Workload.Mode, Connections: l.Connections, Pipeline: l.Pipeline, Rate: l.Rate,
		IdleConnections: l.IdleConnections, ServerCPUCount: l.CPUs, Rep: s.Rep, Side: sideName(s.Side), Start: time.Now().UTC(),
	}
	r.host.place(p, s.Workload, l)
	return p
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
	validity.Validate(p, validity.Kernel{})
	if se, ok := errors.AsType[*serverError](err); ok {
		p.Stderr = se.output
	}
	return p
}

// measure runs one point: the load (from here, or from the client hosts),
// the server's figures over the load's window, the validity from the
// kernel counters of the server's host. It returns the point and its
// window, and false if ctx was cancelled: the point is then dropped.
func (r *Runner) measure(ctx context.Context, srv *server, s Step) (*results.Point, *window, bool) {
	p := r.newPoint(s)
	w := &window{m: srv.proc.meter()}
	req := LoadRequest{Addr: srv.addr, Workload: s.Workload, Level: s.Level, Seed: int64(s.Rep + 1),
		OnMeasure: w.begin, OnMeasureEnd: w.finish, Answered: w.m.Answered()}
	loadCtx, cancel := whileAlive(ctx, srv)
	w.lifeBegin()
	reasons, loadErr := r.load(loadCtx, req, p, w)
	w.lifeEnd()
	cancel()
	kernel, figErr := srv.proc.sample(p, w)
	if ctx.Err() != nil {
		return p, w, false
	}
	r.judge(p, srv, loadErr, figErr)
	validity.Validate(p, kernel, reasons...)
	return p, w, true
}

// load drives the point: from the client hosts of a remote run, each its
// share, whose merged point says why it is partial, if it is; else from
// here (Config.Load), with the meter reading this process's CPU time.
func (r *Runner) load(ctx context.Context, req LoadRequest, p *results.Point, w *window) ([]string, error) {
	if r.rem != nil && len(r.rem.cfg.ClientHosts) > 0 {
		return r.rem.load(ctx, req, p, w)
	}
	err := r.cfg.Load(ctx, req, p)
	w.m.Fill(p)
	return nil, err
}

// whileAlive returns a context that is cancelled with ctx, by cancel, or as
// soon as the server (or its transport) ends, so a crashed server ends its
// point at once.
func whileAlive(ctx context.Context, srv *server) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-srv.proc.done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// judge marks a point failed when the server exited (or its transport
// ended), its figures were lost, the load generator failed, nothing was
// answered correctly, the server's figures are missing, or the server no
// longer answers GET /plaintext after the point.
func (r *Runner) judge(p *results.Point, srv *server, loadErr, figErr error) {
	if loadErr != nil || figErr != nil {
		select { // the server's end may be a moment behind the failure that shows it
		case <-srv.proc.done():
		case <-time.After(time.Second):
		}
	}
	lost, isLost := errors.AsType[*lostError](figErr)
	switch {
	case isDone(srv.proc.done()):
		p.Failed, p.FailReason = true, srv.proc.ended("during the point")
	case isLost:
		p.Failed, p.FailReason = true, lost.reason
	case loadErr != nil:
		p.Failed, p.FailReason = true, "load generator: "+loadErr.Error()
	case p.Requests == 0:
		p.Failed, p.FailReason = true, "no correct answers"+errorSummary(p.Errors)
	case figErr != nil:
		p.Failed, p.FailReason = true, "the server's figures: "+figErr.Error()
	default:
		err := srv.waitAnswer(r.answerTimeout, "after the point")
		if err == nil {
			return
		}
		p.Failed, p.FailReason = true, "the server stopped answering: "+err.Error()
	}
	p.Stderr = srv.proc.output()
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
