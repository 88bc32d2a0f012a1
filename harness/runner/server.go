package runner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"loopbench/app"
	"loopbench/harness/meter"
	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/validity"
	"loopbench/harness/workload"
	"loopbench/servers/model"
)

// readyTimeout bounds how long a server may take to answer its first
// /plaintext correctly.
const readyTimeout = 15 * time.Second

// serverHost is where a run's servers run, with the data files and the
// backend they use: this machine (local.go) or the server's host, reached
// through a transport (remote.go). The steps start every server through it
// and do not know which one they drive.
type serverHost interface {
	// setUp writes the data files and starts the backend, as the plan
	// needs them.
	setUp(data, backend bool) error
	// start starts the step's server; the caller waits until it answers.
	start(spec serverSpec) (*server, error)
	// place records on a point where its server runs at level l of w:
	// the host, the CPUs.
	place(p *results.Point, w *workload.Workload, l workload.Level)
	// tearDown stops the backend and removes what the run left behind.
	tearDown()
}

// serverSpec is what a server is started with.
type serverSpec struct {
	// binary runs `loopbench serve`: the run's, or its side's in an A/B run.
	binary string
	model  string
	flags  []string
	cpus   proc.CPUSet // its CPUs where it runs here
	// count is how many CPUs its level gives it (workload.Level.CPUs; 0:
	// the run's server CPUs), for a server on another host.
	count int
	// data and backend say whether it serves the data files and calls the
	// backend.
	data, backend bool
}

// serveArgs are `loopbench serve`'s arguments for spec, listening at addr
// and writing its statistics to stats on stop, with the host's data
// directory and backend address.
func (s serverSpec) serveArgs(addr, stats, dataDir, backend string) []string {
	args := []string{"serve", "--model", s.model, "--addr", addr, "--stats-file", stats}
	if s.data {
		args = append(args, "--data", dataDir)
	}
	if s.backend {
		args = append(args, "--backend", backend)
	}
	return append(args, s.flags...)
}

// server is the server of one point, started for it alone so that its
// peak memory and loop lag are the point's own: `loopbench serve` as a
// child here (local.go), or under `loopbench supervise` on the server's
// host (remote_server.go). The steps drive both through this handle; its
// serverProcess is what differs.
type server struct {
	name string // "server eventloop", "server eventloop on HOST"
	addr string // where the load connects
	proc serverProcess
}

// serverProcess is how a server runs, in the order a step uses it: ready
// once it answers, meter and sample over the point, stop, then its result.
type serverProcess interface {
	// ready finishes the start once the server answers: it pins it again,
	// or starts sampling it.
	ready() error
	// meter measures the point's window: the client's CPU time and, for a
	// server here, the server's figures too.
	meter() *meter.Meter
	// sample fills p's server figures over the window w and returns the
	// kernel counters of the server's host over it and over the point's
	// whole life, each nil where it could not be read. Its error says the
	// figures are missing; a *lostError fails the point.
	sample(p *results.Point, w *window) (validity.Kernel, error)
	// done is closed when the server, or the transport that carries it,
	// has ended; ended then says why, then when ("during the point").
	done() <-chan struct{}
	ended(when string) string
	// output is the tail of the server's output.
	output() string
	// stop stops the server, and what samples it.
	stop() error
	// result is the statistics the server wrote on stop (its loop lag
	// and readings, its backend), nil if it wrote none, and how far the
	// clock that stamped its readings is ahead of this host's.
	result() (*model.Stats, time.Duration, error)
}

// lostError is a sample error that fails the point: the server, or what
// sampled it, went away during the point.
type lostError struct{ reason string }

func (e *lostError) Error() string { return e.reason }

// serverError is a server that failed to start or to keep answering, with
// the tail of its output.
type serverError struct {
	reason string
	output string
}

func (e *serverError) Error() string { return e.reason }

// startServer starts the step's server where the run's servers run and
// waits until it answers GET /plaintext correctly. On failure the server
// is stopped and the error carries the tail of its output.
func (r *Runner) startServer(s Step) (*server, error) {
	srv, err := r.host.start(r.serverSpec(s))
	if err != nil {
		return nil, err
	}
	err = srv.waitAnswer(readyTimeout, "before answering")
	if err == nil {
		err = srv.proc.ready()
	}
	if err != nil {
		srv.proc.stop()
		return nil, &serverError{reason: err.Error(), output: srv.proc.output()}
	}
	return srv, nil
}

// waitAnswer waits until the server answers GET /plaintext correctly, it
// ends (the error then says why, then when), or the timeout passes.
func (srv *server) waitAnswer(timeout time.Duration, when string) error {
	err := proc.Poll(context.Background(), srv.proc.done(), timeout, func() error { return checkPlaintext(srv.addr) })
	switch {
	case errors.Is(err, proc.ErrEnded):
		return errors.New(srv.proc.ended(when))
	case err != nil:
		return fmt.Errorf("%s %w", srv.name, err)
	}
	return nil
}

// checkPlaintext sends one GET /plaintext and checks the answer is 200 with
// the right body. It reads the answer by its Content-Length, so a server
// that keeps the connection open despite "Connection: close" does not stall it.
func checkPlaintext(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "GET /plaintext HTTP/1.1\r\nHost: loopbench\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !bytes.Equal(body, app.PlaintextBody()) {
		return fmt.Errorf("GET /plaintext answered %q with body %.40q, want 200 %q", resp.Status, body, app.PlaintextBody())
	}
	return nil
}

// window is a point's measured window: the load generator opens and closes
// it, the meter measures over it, and its bounds on this host's clock say
// over which readings a remote server's figures are read.
type window struct {
	m          *meter.Meter
	mu         sync.Mutex
	start, end time.Time
	// life0 and life1 bound the point's whole life: from before its
	// first dial to after its last close.
	life0, life1 time.Time
}

// lifeBegin marks the start of the point's life, before the load's first
// dial; lifeEnd its end, once the load has closed its connections.
func (w *window) lifeBegin() { w.mark(&w.life0, w.m.BeginLife) }
func (w *window) lifeEnd()   { w.mark(&w.life1, w.m.EndLife) }

func (w *window) lifeBounds() (time.Time, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.life0, w.life1
}

// begin and finish mark the measured window's bounds.
func (w *window) begin()  { w.mark(&w.start, w.m.Begin) }
func (w *window) finish() { w.mark(&w.end, w.m.Finish) }

// mark sets *at to now, then tells the meter with then.
func (w *window) mark(at *time.Time, then func()) {
	w.mu.Lock()
	*at = time.Now()
	w.mu.Unlock()
	then()
}

// set gives the window bounds measured elsewhere: the joint span of
// several load generators.
func (w *window) set(start, end time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start, w.end = start, end
}

func (w *window) bounds() (time.Time, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.start, w.end
}
