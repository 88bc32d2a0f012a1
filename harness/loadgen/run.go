package loadgen

import (
	"context"
	"fmt"
	"math"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// run is the shared state of one Run. Times are nanoseconds on the monotonic
// clock since t0, the start of the warm-up.
type run struct {
	cfg    Config
	routes []route
	cum    []float64 // cumulative weights of the mix
	t0     time.Time

	// The measured window, [measureStart, measureEnd). A closed loop's
	// opens only once every connection has completed a request (see
	// openWindow); until then both are maxTime, so nothing is measured.
	measureStart, measureEnd atomicTime
	// hardStop is when every connection gives up: the end of the measured
	// interval for a closed loop, plus Timeout to drain an open loop.
	hardStop atomicTime
	timeout  int64

	parent  context.Context
	ctx     context.Context
	cancel  context.CancelFunc
	stopped atomic.Bool
	stopAt  int64
	conns   registry
	limiter pacer
	tally   *tally
	sched   *schedule

	connected atomic.Bool
	// A closed loop begins with admission: every connection sends its
	// first requests, and one that has been answered sends no more until
	// admitted is set (admit closed), when every connection has been
	// answered or admissionLimit has passed. The warm-up follows.
	admitted    atomic.Bool
	admittedAt  atomic.Int64 // when admission ended (run time)
	admit       chan struct{}
	ready       atomic.Int64 // closed loop: connections that have had an answer
	unfinished  atomic.Int64 // closed loop: requests in flight when the window closed
	busy        atomic.Int64 // closed loop: ns that requests spent in flight within the window
	notReady    int64        // closed loop: connections without an answer when the window opened
	admission   int64        // how long admission took
	reconnects  atomic.Int64
	queued      atomic.Int64
	inWindow    atomic.Int64 // open loop: outcomes recorded for requests scheduled in the window
	done        atomic.Int64 // open loop: requests completed within the window
	doneOK      atomic.Int64 // open loop: correct answers completed within the window
	dialErrMu   sync.Mutex
	lastDialErr error
	// est records how every connection of the run was established.
	est *establish
}

// route is one entry of the mix, ready to send and to check.
type route struct {
	target  string
	request []byte
	expect  Expectation
}

func newRun(cfg Config) (*run, error) {
	if err := validate(&cfg); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, timeout: int64(cfg.Timeout), est: newEstablish()}
	var total float64
	for _, m := range cfg.Mix {
		exp, err := Expect(m.Target)
		if err != nil {
			return nil, err
		}
		req := "GET " + m.Target + " HTTP/1.1\r\nHost: " + cfg.Addr + "\r\n\r\n"
		r.routes = append(r.routes, route{target: m.Target, request: []byte(req), expect: exp})
		total += m.Weight
		r.cum = append(r.cum, total)
	}
	r.limiter.interval = int64(float64(time.Second) / cfg.ConnectRate)
	r.tally = newTally(len(r.routes), shardCount(cfg.Connections))
	return r, nil
}

func (r *run) now() int64 { return int64(time.Since(r.t0)) }

// at converts a run time into a wall-clock deadline (with its monotonic reading).
func (r *run) at(t int64) time.Time { return r.t0.Add(time.Duration(t)) }

func (r *run) measuring(t int64) bool { return t >= r.measureStart.Load() && t < r.measureEnd.Load() }

// window is the measured window's bounds (both maxTime before it opens).
func (r *run) window() (start, end int64) { return r.measureStart.Load(), r.measureEnd.Load() }

// overlap is the part of a request's flight [sent, done) that lies within
// the window [start, end) (0 before the window opens).
func overlap(sent, done, start, end int64) int64 {
	return max(0, min(done, end)-max(sent, start))
}

// windowClosed reports whether the measured window opened and ran to its
// end (not cut short by cancellation): the requests then still in flight
// are the window's unfinished ones.
func (r *run) windowClosed() bool {
	end := r.measureEnd.Load()
	return end != maxTime && r.now() >= end && r.parent.Err() == nil
}

// maxTime is "not yet": the window's bounds before it opens.
const maxTime = math.MaxInt64

// atomicTime is a run time read by every connection and set by drive.
type atomicTime struct{ atomic.Int64 }

// execute checks that the server answers connections, opens the idle
// connections, runs the workers and gathers their tallies.
func (r *run) execute(parent context.Context) (*Result, error) {
	r.parent = parent
	r.ctx, r.cancel = context.WithCancel(parent)
	defer r.cancel()
	r.t0 = time.Now()
	if err := r.probe(); err != nil {
		return nil, err
	}
	var idle idleSet
	if r.cfg.Mode == ModeIdle {
		idle = r.openIdle()
		defer idle.close()
	}
	r.start()
	if r.cfg.Mode == ModeBurst {
		r.burst()
	} else {
		r.drive()
	}
	res := r.result()
	if r.cfg.Mode == ModeIdle {
		res.IdleOpened, res.IdleHeld = len(idle.conns), idle.held()
		res.NotReady += idle.unanswered
		res.Admission = max(res.Admission, idle.admission)
		if idle.failed > 0 {
			res.Errors[classNames[classConnect]] += idle.failed
		}
	}
	if !r.connected.Load() {
		return res, fmt.Errorf("%w to %s: %w", ErrNoConnection, r.cfg.Addr, r.dialErr())
	}
	return res, nil
}

// probe makes one connection, so a server that is not there fails the run at
// once instead of after Duration.
func (r *run) probe() error {
	nc, _, err := r.dial(false)
	if err != nil {
		return fmt.Errorf("%w to %s: %w", ErrNoConnection, r.cfg.Addr, err)
	}
	r.connected.Store(true)
	return nc.Close()
}

// start sets the clock of the measured run: warm-up from now.
func (r *run) start() {
	r.t0 = time.Now()
	r.limiter.next = 0
	if r.openLoop() {
		r.setWindow(int64(r.cfg.Warmup))
		r.hardStop.Store(r.hardStop.Load() + r.timeout)
	} else {
		r.measureStart.Store(maxTime)
		r.measureEnd.Store(maxTime)
		r.hardStop.Store(maxTime)
	}
	r.admit = make(chan struct{})
	if r.openLoop() {
		r.endAdmission()
	}
	r.sched = newSchedule(r)
}

// endAdmission lets answered connections send again.
func (r *run) endAdmission() {
	if !r.admitted.Load() {
		r.admittedAt.Store(r.now())
	}
	if !r.admitted.Swap(true) {
		close(r.admit)
	}
}

// release is when connection i of n may send its first request after
// admission: i/n of the stagger after admission ended (see Config.Stagger).
// Only meaningful once admission has ended.
func (r *run) release(i, n int) int64 {
	if r.cfg.Stagger <= 0 || n <= 0 {
		return 0
	}
	return r.admittedAt.Load() + int64(r.cfg.Stagger)*int64(i)/int64(n)
}

// awaitAdmission blocks a connection that has been answered until
// admission ends; false if the run stopped meanwhile.
func (r *run) awaitAdmission() bool {
	select {
	case <-r.admit:
		return true
	case <-r.ctx.Done():
		return false
	}
}

func (r *run) openLoop() bool {
	return r.cfg.Mode == ModeOpen || r.cfg.Mode == ModeReplay || (r.cfg.Mode == ModeIdle && r.cfg.Rate > 0)
}

// setWindow places the measured window at start.
func (r *run) setWindow(start int64) {
	r.measureStart.Store(start)
	r.measureEnd.Store(start + int64(r.cfg.Duration))
	r.hardStop.Store(start + int64(r.cfg.Duration))
}

// admissionLimit bounds how long a closed loop's admission waits for its
// last connections' first answers.
func (r *run) admissionLimit() int64 { return max(r.timeout, int64(time.Second)) }

// openWindow runs a closed loop's admission, its warm-up, and opens the
// measured window. Admission waits until every connection has completed a
// request (or admissionLimit has passed), each answered connection holding
// its next request meanwhile: a server that is already saturated by its
// first connections admits the rest slowly (a libuv loop accepts one
// connection per iteration), and a window that opened on connections still
// waiting in the accept queue would measure their admission, not the
// server's service. The warm-up then runs on every admitted connection.
// The connections still unanswered when the window opens are counted.
func (r *run) openWindow(finished <-chan struct{}) bool {
	limit := r.admissionLimit()
	for r.ready.Load() < int64(r.cfg.Connections) && r.now() < limit {
		if !r.sleepUntil(r.now()+int64(time.Millisecond), finished) {
			r.endAdmission()
			return false
		}
	}
	r.admission = r.now()
	r.endAdmission()
	if !r.sleepUntil(r.admission+int64(r.cfg.Warmup), finished) {
		return false
	}
	now := r.now()
	r.notReady = int64(r.cfg.Connections) - r.ready.Load()
	r.setWindow(now)
	return true
}

// drive runs the workers until they finish, the hard stop, or cancellation,
// and calls OnMeasure when the measured interval begins.
func (r *run) drive() {
	var wg sync.WaitGroup
	if !r.startLoops(&wg) {
		for i := range r.cfg.Connections {
			w := newWorker(r, i)
			wg.Go(func() {
				if r.openLoop() {
					w.open()
				} else {
					w.closed()
				}
			})
		}
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	opened := false
	if r.openLoop() {
		opened = r.sleepUntil(r.measureStart.Load(), finished)
	} else {
		opened = r.openWindow(finished)
	}
	if opened {
		call(r.cfg.OnMeasure)
		r.sleepUntil(r.measureEnd.Load(), finished)
		call(r.cfg.OnMeasureEnd)
	}
	r.sleepUntil(r.hardStop.Load(), finished)
	r.stop()
	<-finished
}

// startLoops runs a closed loop on the epoll engine, one loop per
// GOMAXPROCS; false when the run uses a goroutine per connection.
func (r *run) startLoops(wg *sync.WaitGroup) bool {
	if r.openLoop() || r.cfg.Engine == EngineGoroutines || !epollSupported {
		return false
	}
	n := min(runtime.GOMAXPROCS(0), r.cfg.Connections)
	var loops []*eloop
	for i := range n {
		l, err := newEloop(r, i, r.cfg.Connections/n+btoi(i < r.cfg.Connections%n))
		if err != nil {
			return false
		}
		loops = append(loops, l)
	}
	for _, l := range loops {
		wg.Go(l.run)
	}
	return true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func call(f func()) {
	if f != nil {
		f()
	}
}

// sleepUntil waits until run time t; false if the run ended first.
func (r *run) sleepUntil(t int64, finished <-chan struct{}) bool {
	timer := time.NewTimer(time.Duration(t - r.now()))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.ctx.Done():
		return false
	case <-finished:
		return false
	}
}

// stop ends the run: every blocked read, write, dial and wait returns.
func (r *run) stop() {
	r.stopAt = r.now()
	r.stopped.Store(true)
	r.cancel()
	r.conns.stopAll()
}

// dial opens a connection to the server and returns it with the run time
// the dial started. A dial that counts (every one but the probe's) is
// recorded in the run's establishment; one the run's end cancelled is not.
func (r *run) dial(counts bool) (net.Conn, int64, error) {
	d := net.Dialer{Timeout: r.cfg.Timeout}
	start := r.now()
	nc, err := d.DialContext(r.ctx, "tcp", r.cfg.Addr)
	if counts && (err == nil || r.ctx.Err() == nil) {
		r.est.dialed(start, r.now(), err)
	}
	if err != nil {
		r.dialErrMu.Lock()
		r.lastDialErr = err
		r.dialErrMu.Unlock()
		return nil, start, err
	}
	return nc, start, nil
}

func (r *run) dialErr() error {
	r.dialErrMu.Lock()
	defer r.dialErrMu.Unlock()
	return r.lastDialErr
}

// registry holds the open connections so that stop can unblock them.
type registry struct {
	mu      sync.Mutex
	set     map[net.Conn]struct{}
	stopped bool
}

// add registers c; false once the run has stopped (the caller closes c).
func (g *registry) add(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	if g.set == nil {
		g.set = map[net.Conn]struct{}{}
	}
	g.set[c] = struct{}{}
	return true
}

func (g *registry) remove(c net.Conn) {
	g.mu.Lock()
	delete(g.set, c)
	g.mu.Unlock()
}

// stopAll makes every registered connection's blocked call return.
func (g *registry) stopAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	for c := range g.set {
		c.SetDeadline(aLongTimeAgo)
	}
}

var aLongTimeAgo = time.Unix(1, 0)

// pacer spaces events (new connections) at least interval apart.
type pacer struct {
	mu       sync.Mutex
	next     int64
	interval int64
}

// try takes a slot if one is due at now, without waiting. A loop that
// looks only every millisecond may take a millisecond's worth at once.
func (p *pacer) try(now int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next > now {
		return false
	}
	p.next = max(p.next, now-int64(time.Millisecond)) + p.interval
	return true
}

// wait blocks until the caller's slot; false if the run stopped meanwhile.
func (p *pacer) wait(r *run) bool {
	p.mu.Lock()
	now := r.now()
	slot := max(p.next, now)
	p.next = slot + p.interval
	p.mu.Unlock()
	if slot > now {
		timer := time.NewTimer(time.Duration(slot - now))
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.ctx.Done():
		}
	}
	return !r.stopped.Load() && r.ctx.Err() == nil
}

// result merges the tallies. The measured interval is cut short only by
// cancellation (an open loop's workers may finish before its end). Requests scheduled in the window that no
// connection could send before the hard stop waited at least Timeout: they
// count as "timeout", unless the run was cancelled.
func (r *run) result() *Result {
	start, end := r.measureStart.Load(), r.measureEnd.Load()
	if r.parent.Err() != nil || end == maxTime {
		end = min(r.stopAt, end)
	}
	if start == maxTime {
		start = end
	}
	res := &Result{
		Duration:   time.Duration(max(0, end-start)),
		Reconnects: r.reconnects.Load(),
		Queued:     r.queued.Load(),
		NotReady:   r.notReady,
		Admission:  time.Duration(r.admission),
		Unfinished: r.unfinished.Load(),
	}
	if !r.openLoop() && res.Duration > 0 {
		res.InFlight = float64(r.busy.Load()) / float64(res.Duration)
	}
	r.tally.fill(res, r.routes)
	res.Establishment = r.est.result()
	if r.openLoop() {
		res.Completed, res.CompletedOK = r.done.Load(), r.doneOK.Load()
		res.Offered = r.sched.offered()
		if unsent := res.Offered - r.inWindow.Load(); unsent > 0 && r.parent.Err() == nil {
			res.Errors[classNames[classTimeout]] += unsent
		}
	}
	return res
}
