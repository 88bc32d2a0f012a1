package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/harness/meter"
	"loopbench/harness/remote"
	"loopbench/harness/results"
	"loopbench/harness/validity"
	"loopbench/servers/model"
)

// remoteServer is one `loopbench serve` on the server's host, under
// `loopbench supervise`, with `loopbench sample` streaming its figures.
type remoteServer struct {
	name     string
	proc     *remote.Proc
	stream   *remote.Stream
	addr     string // where the load connects
	answered atomic.Int64
}

// runRemoteStep measures one point on a fresh server on the server's host.
func (r *Runner) runRemoteStep(ctx context.Context, s Step) {
	srv, err := r.startRemoteServer(s)
	if err != nil {
		r.record(s, r.remoteFailed(s, err))
		return
	}
	p, ok := r.measureRemote(ctx, srv, s)
	lag := r.stopRemoteServer(srv)
	if ok {
		if lag != nil && !p.Failed {
			p.LoopLag = lag
		}
		r.record(s, p)
	}
}

// remoteFailed is a point whose server could not start remotely.
func (r *Runner) remoteFailed(s Step, err error) *results.Point {
	p := r.failed(s, err)
	p.ServerHost, p.ServerCPUs = r.cfg.Remote.ServerHost, r.remoteServerCPUs()
	return p
}

// remoteServerCPUs is the server's CPU set as a point records it.
func (r *Runner) remoteServerCPUs() string {
	if r.cfg.ServerCPUs != "" {
		return r.cfg.ServerCPUs
	}
	return "all"
}

// startRemoteServer starts the step's server on the server's host, waits
// until it answers GET /plaintext at the address the load connects to,
// and starts sampling it.
func (r *Runner) startRemoteServer(s Step) (*remoteServer, error) {
	rem, host := r.rem, r.cfg.Remote.ServerHost
	bin := rem.bins[host]
	argv, err := r.remoteServeArgv(s)
	if err != nil {
		return nil, err
	}
	p, err := rem.t.Start(host, argv, remoteStart)
	if err != nil {
		return nil, &serverError{reason: "server " + s.Run.Model + " on " + host + ": " + err.Error()}
	}
	srv := &remoteServer{name: "server " + s.Run.Model + " on " + host, proc: p,
		addr: net.JoinHostPort(r.cfg.Remote.serverAddr(), strconv.Itoa(p.Ready.Port))}
	if err := waitFor(p, readyTimeout, func() bool { return checkPlaintext(srv.addr) == nil }); err != nil {
		reason := fmt.Sprintf("%s did not answer at %s: %v", srv.name, srv.addr, err)
		if cerr := checkPlaintext(srv.addr); cerr != nil {
			reason += " (last try: " + cerr.Error() + ")"
		}
		p.Stop(stopGrace + 5*time.Second)
		return nil, &serverError{reason: reason, output: p.Stderr()}
	}
	for _, n := range p.Ready.Notes {
		r.noteOnce(n)
	}
	if srv.stream, err = rem.t.Sample(host, bin, p.Ready.PID, r.cfg.ServerCPUs, &srv.answered); err != nil {
		p.Stop(stopGrace + 5*time.Second)
		return nil, &serverError{reason: "sampling " + srv.name + ": " + err.Error(), output: p.Stderr()}
	}
	return srv, nil
}

// remoteServeArgv is the command line that starts the step's server on
// the server's host: `loopbench supervise` running `loopbench serve` on a
// port it picks, with its stats file in the run's directory there.
func (r *Runner) remoteServeArgv(s Step) ([]string, error) {
	rem := r.rem
	bin := rem.bins[r.cfg.Remote.ServerHost]
	spec := r.serverSpec(s)
	serve := bin
	if s.Side != nil && rem.sideBins[s.Side.Name] != "" {
		serve = rem.sideBins[s.Side.Name]
	}
	rem.servers++
	stats := path.Join(rem.work, fmt.Sprintf("stats-%d.json", rem.servers))
	argv := []string{bin, "supervise", "--port", "--result", stats}
	if r.cfg.ServerCPUs != "" {
		argv = append(argv, "--cpus", r.cfg.ServerCPUs)
	}
	argv = append(argv, "--", serve, "serve", "--model", s.Run.Model, "--addr", "0.0.0.0:{port}", "--stats-file", stats)
	if s.Workload.Server.Data {
		argv = append(argv, "--data", r.dataDir)
	}
	if s.Workload.Server.Backend {
		argv = append(argv, "--backend", rem.backAddr)
	}
	return append(argv, spec.flags...), nil
}

// noteOnce records a note the first time it is seen.
func (r *Runner) noteOnce(n string) {
	for _, old := range r.run.Env.Notes {
		if old == n {
			return
		}
	}
	r.note(n)
}

// stopRemoteServer stops the sampler and the server and reads the loop lag
// the server wrote on stop.
func (r *Runner) stopRemoteServer(srv *remoteServer) *results.LoopLag {
	srv.stream.Stop()
	exit, err := srv.proc.Stop(stopGrace + 5*time.Second)
	if err != nil {
		fmt.Fprintf(r.cfg.Log, "note: %s: %v\n", srv.name, err)
		return nil
	}
	if exit.Result == "" {
		return nil
	}
	f := filepath.Join(r.tmp, "stats-remote.json")
	if err := os.WriteFile(f, []byte(exit.Result), 0o644); err != nil {
		return nil
	}
	defer os.Remove(f)
	stats, ok, err := model.ReadStats(f)
	if err != nil || !ok {
		return nil
	}
	return &stats.LoopLag
}

// window is the measured window as the load generator reports it.
type window struct {
	mu         sync.Mutex
	start, end time.Time
}

func (w *window) begin(next func()) func() {
	return func() {
		w.mu.Lock()
		w.start = time.Now()
		w.mu.Unlock()
		next()
	}
}

func (w *window) finish(next func()) func() {
	return func() {
		w.mu.Lock()
		w.end = time.Now()
		w.mu.Unlock()
		next()
	}
}

func (w *window) bounds() (time.Time, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.start, w.end
}

// measureRemote runs one point against a remote server: the load from
// here (cfg.Load) or from the client hosts, the server's figures from its
// sample stream over the load's window, the validity from the server
// host's kernel counters. It returns false if ctx was cancelled.
func (r *Runner) measureRemote(ctx context.Context, srv *remoteServer, s Step) (*results.Point, bool) {
	p := r.newPoint(s)
	p.ServerHost, p.ServerCPUs = r.cfg.Remote.ServerHost, r.remoteServerCPUs()
	if len(r.cfg.Remote.ClientHosts) > 0 {
		p.ClientCPUs = "all" // of each client host; Clients says which
	}
	m := meter.New(meter.Config{ClientCPUs: len(r.client)})
	var w window
	req := LoadRequest{Addr: srv.addr, Workload: s.Workload, Level: s.Level, Seed: int64(s.Rep + 1),
		OnMeasure: w.begin(m.Begin), OnMeasureEnd: w.finish(m.Finish), Answered: &srv.answered}
	loadCtx, cancel := whileRemote(ctx, srv)
	var loadErr error
	var reasons []string
	if len(r.cfg.Remote.ClientHosts) > 0 {
		reasons, loadErr = r.remoteLoad(loadCtx, req, p, &w)
	} else {
		loadErr = r.cfg.Load(loadCtx, req, p)
		m.Fill(p)
	}
	cancel()
	start, end := w.bounds()
	win, werr := srv.stream.Window(start, end, r.rem.clocks[r.cfg.Remote.ServerHost].offset)
	if ctx.Err() != nil {
		return p, false
	}
	p.Server, p.Samples = win.Usage, win.Samples
	if p.Requests > 0 {
		p.CPUPerRequest = p.Server.CPU * 1e6 / float64(p.Requests)
	}
	if win.Note != "" && srv.proc.Ready.Cgroup != "" { // without a group, the supervisor said so already
		r.noteOnce(win.Note)
	}
	r.judgeRemote(p, srv, loadErr, werr)
	r.validateRemote(p, win.Kernel, reasons)
	return p, true
}

// whileRemote is cancelled with ctx, by cancel, or as soon as the server's
// transport or its sampler's ends, so a dropped host ends its point at once.
func whileRemote(ctx context.Context, srv *remoteServer) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-srv.proc.Done():
			cancel()
		case <-srv.stream.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// judgeRemote marks the point failed when the transport ended, the server
// exited, the load generator failed, nothing was answered, the server's
// figures are missing, or the server no longer answers after the point.
func (r *Runner) judgeRemote(p *results.Point, srv *remoteServer, loadErr, werr error) {
	host := r.cfg.Remote.ServerHost
	if loadErr != nil || werr != nil || isDone(srv.stream.Done()) {
		select { // the transport's end may be a moment behind the load's failure
		case <-srv.proc.Done():
		case <-time.After(time.Second):
		}
	}
	switch {
	case isDone(srv.proc.Done()) && remote.IsEnded(srv.proc.Ended()):
		p.Failed, p.FailReason = true, fmt.Sprintf("the transport to %s ended during the point, and with it the server: %v", host, srv.proc.Ended())
	case isDone(srv.proc.Done()):
		p.Failed, p.FailReason = true, srv.proc.Ended().Error()+" during the point"
	case errors.Is(werr, remote.ErrGone):
		p.Failed, p.FailReason = true, fmt.Sprintf("%s exited during the point (%v)", srv.name, werr)
	case isDone(srv.stream.Done()):
		p.Failed, p.FailReason = true, fmt.Sprintf("the transport of the sampler on %s ended during the point: %v", host, srv.stream.Ended())
	case loadErr != nil:
		p.Failed, p.FailReason = true, "load generator: "+loadErr.Error()
	case p.Requests == 0:
		p.Failed, p.FailReason = true, "no correct answers"+errorSummary(p.Errors)
	case werr != nil:
		p.Failed, p.FailReason = true, "the server's figures: "+werr.Error()
	default:
		err := waitFor(srv.proc, r.answerTimeout, func() bool { return checkPlaintext(srv.addr) == nil })
		if err == nil {
			return
		}
		p.Failed, p.FailReason = true, "the server stopped answering: "+err.Error()
	}
	p.Stderr = srv.proc.Stderr()
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// validateRemote gives p its validity from the server host's kernel
// counters, with the merge's reasons when several generators made it.
func (r *Runner) validateRemote(p *results.Point, kernel *validity.Counters, reasons []string) {
	if p.Failed {
		p.Validity = results.Validity{Status: results.Failed, Reasons: []string{p.FailReason}}
		return
	}
	var k validity.Counters
	if kernel != nil {
		k = *kernel
	}
	p.Validity = validity.Check(p, k)
	if kernel == nil {
		p.Validity.Kernel = nil
	}
	if len(reasons) > 0 {
		p.Validity.Status = results.Partial
		p.Validity.Reasons = append(p.Validity.Reasons, reasons...)
	}
}
