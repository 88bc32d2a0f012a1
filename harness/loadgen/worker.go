package loadgen

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"time"
)

// worker drives one connection at a time, in a goroutine of its own.
type worker struct {
	r       *run
	id      int
	c       *conn // nil while not connected
	depth   int
	rng     *rand.Rand
	rec     recorder
	answers []answer
	timer   *time.Timer
	// answered is set at the connection's first answer (counted in run.ready).
	answered bool
}

func newWorker(r *run, id int) *worker {
	depth := 1
	if !r.openLoop() {
		depth = r.cfg.Pipeline
	}
	return &worker{
		r:       r,
		id:      id,
		depth:   depth,
		rng:     rand.New(rand.NewPCG(uint64(r.cfg.Seed), uint64(id))),
		rec:     r.tally.recorder(id),
		answers: make([]answer, 0, depth),
	}
}

// connect opens the worker's connection, at most ConnectRate per second
// across the run. A failed dial during measurement counts as "connect".
func (w *worker) connect() bool {
	if !w.r.limiter.wait(w.r) {
		return false
	}
	nc, start, err := w.r.dial(true)
	if err != nil {
		if w.r.measuring(w.r.now()) && !w.r.stopped.Load() {
			w.rec.add(sample{lag: -1, class: classConnect, n: 1})
		}
		return false
	}
	if !w.r.conns.add(nc) {
		nc.Close()
		return false
	}
	w.r.connected.Store(true)
	w.c = newConn(nc, w.r.routes, w.depth)
	w.c.dialed = start
	return true
}

// drop closes a connection that failed or that the server closed; the next
// request opens a new one, which counts as a reconnect.
func (w *worker) drop() {
	if w.c != nil {
		w.release()
		w.r.reconnects.Add(1)
	}
}

func (w *worker) release() {
	w.r.conns.remove(w.c.nc)
	w.c.nc.Close()
	w.c = nil
}

func (w *worker) finish() {
	if w.c != nil {
		w.release()
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.rec.flush()
}

// arm keeps the connection's deadline at least Timeout past the oldest
// request in flight and never past the hard stop. It is refreshed lazily (to
// 1.25 Timeout ahead) because setting a deadline costs a timer update.
func (w *worker) arm(now int64) error {
	c, r := w.c, w.r
	if c.deadline >= c.oldest().sent+r.timeout || c.deadline == r.hardStop.Load() {
		return nil
	}
	c.deadline = min(now+r.timeout+r.timeout/4, r.hardStop.Load())
	if err := c.nc.SetDeadline(r.at(c.deadline)); err != nil {
		return err
	}
	if r.stopped.Load() {
		return errStopped
	}
	return nil
}

var errStopped = errors.New("loadgen: run stopped")

// classify names the class of a connection's failure; ok is false when the
// failure is the end of the run, not an error.
func (r *run) classify(err error) (class int32, ok bool) {
	switch {
	case errors.Is(err, errStopped) || r.stopped.Load():
		return 0, false
	case errors.Is(err, os.ErrDeadlineExceeded):
		return classTimeout, r.now() < r.hardStop.Load()
	case errors.Is(err, errProtocol):
		return classProtocol, true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return classReset, true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return classClosed, true
	}
	return classOther, true
}
