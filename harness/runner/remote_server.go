package runner

import (
	"errors"
	"fmt"
	"net"
	"path"
	"strconv"
	"time"

	"loopbench/harness/meter"
	"loopbench/harness/proc"
	"loopbench/harness/remote"
	"loopbench/harness/results"
	"loopbench/harness/validity"
	"loopbench/servers/model"
)

// remoteWait bounds how long a remote process may take to stop: its grace
// on the host, and the transport's own end.
const remoteWait = proc.DefaultGrace + 5*time.Second

// start starts the step's server on the server's host: `loopbench
// supervise` running `loopbench serve` on a port it picks, with its stats
// file in the run's directory there. The load connects to it at the
// server's address.
func (h *remoteHost) start(s serverSpec) (*server, error) {
	host := h.cfg.ServerHost
	serve := h.bins[host]
	if s.binary != h.r.cfg.Binary {
		if serve = h.sideBins[s.binary]; serve == "" {
			return nil, &serverError{reason: "the A/B side's binary " + s.binary + " was not installed on " + host}
		}
	}
	name := "server " + s.model + " on " + host
	p, err := h.t.Start(host, h.serveArgv(s, serve), remoteStart)
	if err != nil {
		return nil, &serverError{reason: name + ": " + err.Error()}
	}
	rs := &remoteServer{h: h, name: name, p: p, m: meter.New(meter.Config{ClientCPUs: len(h.r.client)}), cpus: h.pinned(s.count)}
	return &server{name: name, addr: net.JoinHostPort(h.cfg.serverAddr(), strconv.Itoa(p.Ready.Port)), proc: rs}, nil
}

// serveArgv is the command line that starts a server on the server's
// host: the run's loopbench supervises serve, the side's own binary in an
// A/B run.
func (h *remoteHost) serveArgv(s serverSpec, serve string) []string {
	bin := h.bins[h.cfg.ServerHost]
	h.servers++
	stats := path.Join(h.work, fmt.Sprintf("stats-%d.json", h.servers))
	argv := []string{bin, "supervise", "--port", "--result", stats}
	if cpus := h.pinned(s.count); cpus != "" {
		argv = append(argv, "--cpus", cpus)
	}
	argv = append(argv, "--", serve)
	return append(argv, s.serveArgs("0.0.0.0:{port}", stats, h.dataDir, h.backAddr)...)
}

// remoteServer is one `loopbench serve` on the server's host, under
// `loopbench supervise`, with `loopbench sample` streaming its figures.
type remoteServer struct {
	h      *remoteHost
	name   string
	p      *remote.Proc
	stream *remote.Stream
	m      *meter.Meter // the client's CPU time, when the load runs here
	cpus   string       // the CPUs it is pinned to there, "" for none
	exit   remote.Exit  // the supervisor's last line, once stopped
}

// ready records what the supervisor set up (or could not) and starts
// sampling the server; the samples count the load's correct answers.
func (rs *remoteServer) ready() error {
	for _, n := range rs.p.Ready.Notes {
		rs.h.r.noteOnce(n)
	}
	host := rs.h.cfg.ServerHost
	var err error
	if rs.stream, err = rs.h.t.Sample(host, rs.h.bins[host], rs.p.Ready.PID, rs.cpus, rs.m.Answered()); err != nil {
		return fmt.Errorf("sampling %s: %w", rs.name, err)
	}
	return nil
}

func (rs *remoteServer) meter() *meter.Meter { return rs.m }

// sample reads the server's figures from its sample stream over the
// window, placed on the host's clock, and the validity's counters from the
// server host's kernel.
func (rs *remoteServer) sample(p *results.Point, w *window) (validity.Kernel, error) {
	host := rs.h.cfg.ServerHost
	start, end := w.bounds()
	win, err := rs.stream.Window(start, end, rs.h.clocks[host].offset)
	k := validity.Kernel{Window: win.Kernel}
	if l0, l1 := w.lifeBounds(); !l0.IsZero() && !l1.IsZero() {
		if life, lerr := rs.stream.Window(l0, l1, rs.h.clocks[host].offset); lerr == nil {
			k.Life = life.Kernel
		}
	}
	p.Server, p.Samples = win.Usage, win.Samples
	if p.Requests > 0 {
		p.CPUPerRequest = p.Server.CPU * 1e6 / float64(p.Requests)
	}
	if win.Note != "" && rs.p.Ready.Cgroup != "" { // without a group, the supervisor said so already
		rs.h.r.noteOnce(win.Note)
	}
	switch {
	case errors.Is(err, remote.ErrGone):
		return k, &lostError{fmt.Sprintf("%s exited during the point (%v)", rs.name, err)}
	case isDone(rs.stream.Done()):
		return k, &lostError{fmt.Sprintf("the transport of the sampler on %s ended during the point: %v", host, rs.stream.Ended())}
	}
	return k, err
}

// done is closed when the supervisor's transport has ended.
func (rs *remoteServer) done() <-chan struct{} { return rs.p.Done() }

// ended says whether the server exited or its transport ended, taking it along.
func (rs *remoteServer) ended(when string) string {
	err := rs.p.Ended()
	if remote.IsEnded(err) {
		return fmt.Sprintf("the transport to %s ended %s, and with it the server: %v", rs.h.cfg.ServerHost, when, err)
	}
	return err.Error() + " " + when
}

func (rs *remoteServer) output() string { return rs.p.Stderr() }

// stop stops the sampler and the server, keeping the supervisor's last line.
func (rs *remoteServer) stop() error {
	if rs.stream != nil {
		rs.stream.Stop()
	}
	var err error
	rs.exit, err = rs.p.Stop(remoteWait)
	return err
}

// result reads the statistics the server wrote on stop, which the
// supervisor's last line carries. Its readings are stamped on the server
// host's clock, which is the offset measured at the run's start ahead of
// this one's, as the sample stream's.
func (rs *remoteServer) result() (*model.Stats, time.Duration, error) {
	stats, ok, err := model.ParseStats([]byte(rs.exit.Result), "of "+rs.name)
	if err != nil || !ok {
		return nil, 0, err
	}
	return &stats, rs.h.clocks[rs.h.cfg.ServerHost].offset, nil
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
