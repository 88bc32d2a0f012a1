package runner

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/results"
	"loopbench/harness/sample"
	"loopbench/harness/validity"
	"loopbench/harness/workload"
)

// startServices writes the data files and starts the backend, if any step
// needs them. Both run on the client's CPUs, so the server's CPUs measure
// the server alone.
func (r *Runner) startServices() error {
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
	addr, err := freePort()
	if err != nil {
		return err
	}
	c, err := startChild("backend", r.client, r.taskset, nil, r.cfg.Binary, "backend", "--addr", addr)
	if err != nil {
		return err
	}
	r.backend, r.backAdr = c, addr
	if err := c.waitPort(addr, readyTimeout); err != nil {
		return fmt.Errorf("the backend did not start: %v: %s", err, c.out.String())
	}
	r.note(fmt.Sprintf("the backend that /upstream calls runs on the load generator's CPUs %s; its CPU time counts in the client's utilization (client-bound flag), not in the server's figures", r.client))
	return nil
}

// runStep measures one point on a server process started for it alone, so
// its peak memory and loop lag are the point's own. A server that does not
// start, or dies, gives a failed point.
func (r *Runner) runStep(ctx context.Context, s Step) {
	srv, err := r.startServer(r.serverSpec(s))
	if err != nil {
		r.record(s, r.failed(s, err))
		return
	}
	defer srv.removeGroup()
	p, ok := r.measure(ctx, srv, s)
	if !p.Failed || !srv.exited() {
		r.stopServer(srv, p)
	} else {
		srv.kill()
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
		fmt.Fprintf(r.cfg.Log, "note: %s: %v\n", srv.name, err)
	}
	if d := time.Since(t0); d > slowStop {
		fmt.Fprintf(r.cfg.Log, "note: %s took %v to stop after SIGTERM\n", srv.name, d.Round(10*time.Millisecond))
	}
	if lag != nil && p != nil && !p.Failed {
		p.LoopLag = lag
	}
}

func (r *Runner) serverSpec(s Step) serverSpec {
	spec := serverSpec{model: s.Run.Model, flags: s.Run.Variant.Flags, cpus: r.serverCPUs(s.Workload), tmpDir: r.tmp}
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
func (r *Runner) serverCPUs(w *workload.Workload) CPUSet {
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
		IdleConnections: l.IdleConnections, Rep: s.Rep,
		ServerCPUs: r.serverCPUs(s.Workload).String(), ClientCPUs: r.client.String(), Start: time.Now().UTC(),
	}
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
	m := &meter{pid: srv.pid(), clientCPUs: len(r.client), group: srv.group, serverCPUs: r.serverCPUs(s.Workload)}
	if s.Workload.Server.Backend && r.backend != nil {
		m.backendPID = r.backend.cmd.Process.Pid
	}
	req := LoadRequest{Addr: srv.addr, Workload: s.Workload, Level: s.Level, Seed: int64(s.Rep + 1), OnMeasure: m.begin, OnMeasureEnd: m.finish, Answered: &m.answered}
	loadCtx, cancel := whileAlive(ctx, srv)
	loadErr := r.cfg.Load(loadCtx, req, p)
	cancel()
	gone := m.end(p)
	if ctx.Err() != nil {
		return p, false
	}
	r.judge(p, srv, loadErr, gone)
	m.validate(p)
	return p, true
}

// whileAlive returns a context that is cancelled with ctx, by cancel, or as
// soon as the server exits, so a crashed server ends its point at once.
func whileAlive(ctx context.Context, srv *server) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-srv.done:
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
		case <-srv.done:
		case <-time.After(time.Second):
		}
	}
	switch {
	case srv.exited():
		p.Failed, p.FailReason = true, srv.exitReason()+" during the point"
	case loadErr != nil:
		p.Failed, p.FailReason = true, "load generator: "+loadErr.Error()
	case p.Requests == 0:
		p.Failed, p.FailReason = true, "no correct answers"+errorSummary(p.Errors)
	default:
		err := srv.poll(r.answerTimeout, func() error { return checkPlaintext(srv.addr) })
		if err == nil {
			return
		}
		p.Failed, p.FailReason = true, "the server stopped answering: "+err.Error()
	}
	p.Stderr = srv.out.String()
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

// meter samples the server and the client's own CPU over the measured
// interval: from OnMeasure to OnMeasureEnd (both called by the load
// generator), or to the return of the load function if it never ends it.
type meter struct {
	pid        int
	clientCPUs int
	backendPID int // the backend sharing the client's CPUs, or 0
	answered   atomic.Int64

	mu      sync.Mutex
	sampler *sample.Sampler
	err     error // from starting the sampler
	start   time.Time
	user0   time.Duration
	sys0    time.Duration

	backend0   time.Duration // the backend's CPU time at the start
	backendCPU time.Duration // and over the interval

	group          *cgroup.Group // the server's, or nil
	group0, group1 cgroup.Usage  // read at the start and the end
	groupErr       error

	serverCPUs       []int             // whose steal the kernel counters read
	kernel0, kernel1 validity.Counters // the host's counters at the start and the end
	kernelErr        error

	stopped   bool
	wall      time.Duration
	usage     results.Usage
	samples   []results.Sample
	stopErr   error // from stopping the sampler
	user, sys time.Duration
}

// begin starts the measured interval.
func (m *meter) begin() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sampler != nil || m.err != nil {
		return
	}
	m.start = time.Now()
	var err error
	m.user0, m.sys0, err = sample.Self()
	m.backend0 = m.backendTime()
	if m.group != nil {
		m.group0, m.groupErr = m.group.Read()
	}
	m.kernel0, m.kernelErr = validity.ReadCounters(validity.ProcPaths, m.serverCPUs)
	m.sampler, m.err = sample.Start(m.pid, sample.Interval, &m.answered)
	m.err = errors.Join(m.err, err)
}

// finish ends the measured interval: it stops sampling the server and reads
// the client's CPU time.
func (m *meter) finish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sampler == nil || m.stopped {
		return
	}
	m.stopped = true
	m.wall = time.Since(m.start)
	if m.group != nil && m.groupErr == nil {
		m.group1, m.groupErr = m.group.Read()
	}
	if m.kernelErr == nil {
		m.kernel1, m.kernelErr = validity.ReadCounters(validity.ProcPaths, m.serverCPUs)
	}
	u, s, _ := sample.Self() // before Stop, whose last reading costs the client CPU
	m.user, m.sys = u-m.user0, s-m.sys0
	if m.backendPID != 0 {
		m.backendCPU = max(m.backendTime()-m.backend0, 0)
	}
	m.usage, m.samples, m.stopErr = m.sampler.Stop()
}

// backendTime is the backend's CPU time so far, or 0 without a backend or
// when it cannot be read (the backend's exit shows up as /upstream errors).
func (m *meter) backendTime() time.Duration {
	if m.backendPID == 0 {
		return 0
	}
	st, err := sample.Read(m.backendPID)
	if err != nil {
		return 0
	}
	return st.CPU()
}

// validate gives the point its validity: failed, or the checks of
// harness/validity against the kernel's counters over the window.
func (m *meter) validate(p *results.Point) {
	switch {
	case p.Failed:
		p.Validity = results.Validity{Status: results.Failed, Reasons: []string{p.FailReason}}
	case m.kernelErr != nil:
		p.Validity = validity.Check(p, validity.Counters{})
		p.Validity.Kernel = nil // the host's counters could not be read
	default:
		p.Validity = validity.Check(p, m.kernel1.Delta(m.kernel0))
	}
}

// serverCPU fills the server's CPU time from its cgroup where it has one,
// else from /proc, and its memory with the kernel's share.
func (m *meter) serverCPU(p *results.Point) {
	u := &p.Server
	if m.group == nil || m.groupErr != nil {
		u.CPU, u.CPUSource = u.CPUUser+u.CPUSys, "/proc"
		return
	}
	u.CPU, u.CPUSource = (m.group1.CPU - m.group0.CPU).Seconds(), "cgroup "+m.group.Layout
	g := m.group1
	u.Memory = &results.Memory{Total: g.Memory, User: g.Anon, Kernel: g.Kernel, KernelStack: g.KernelStack,
		PageTables: g.PageTables, Slab: g.Slab, Sock: g.Sock}
}

// end fills the point's server and client figures. It reports whether the
// server's process went away.
func (m *meter) end(p *results.Point) (gone bool) {
	m.begin() // for a load function that failed before measuring
	m.finish()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sampler == nil {
		return errors.Is(m.err, sample.ErrGone)
	}
	p.Server, p.Samples = m.usage, m.samples
	p.Client = results.Client{CPUUser: m.user.Seconds(), CPUSys: m.sys.Seconds(), BackendCPU: m.backendCPU.Seconds()}
	if m.wall > 0 {
		p.Client.Utilization = (m.user + m.sys + m.backendCPU).Seconds() / m.wall.Seconds() / float64(m.clientCPUs)
	}
	p.ClientBound = p.Client.Utilization >= ClientBoundAt
	m.serverCPU(p)
	if p.Requests > 0 {
		p.CPUPerRequest = p.Server.CPU * 1e6 / float64(p.Requests)
	}
	return errors.Is(m.stopErr, sample.ErrGone)
}
