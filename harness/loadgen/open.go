package loadgen

import (
	"math"
	"sync/atomic"
	"time"
)

// open is the open loop (and replay): the worker takes the next scheduled
// request, waits for its time, sends it and waits for the answer. Scheduled
// requests are taken in order by whichever connection is free.
func (w *worker) open() {
	defer w.finish()
	r := w.r
	if !w.connect() && r.stopped.Load() {
		return
	}
	for !r.stopped.Load() {
		k, at, ok := r.sched.take()
		if !ok || r.now() >= r.hardStop.Load() {
			return
		}
		start, lag, ok := w.wait(at)
		if !ok {
			return
		}
		w.request(k, at, start, lag)
	}
}

// wait sleeps until the scheduled time at. A request already late waited for
// a free connection: its latency counts from at. Otherwise it counts from
// when the timer woke the worker, and the timer's lateness is returned (µs).
func (w *worker) wait(at int64) (start, lag int64, ok bool) {
	r := w.r
	now := r.now()
	if at <= now {
		if r.measuring(at) {
			r.queued.Add(1)
		}
		return at, -1, true
	}
	if w.timer == nil {
		w.timer = time.NewTimer(time.Duration(at - now))
	} else {
		w.timer.Reset(time.Duration(at - now))
	}
	select {
	case <-w.timer.C:
	case <-r.ctx.Done():
		return 0, 0, false
	}
	now = r.now()
	return now, (now - at) / 1000, true
}

// request sends scheduled request k on the worker's connection, opening one
// if needed, and records its outcome if it was scheduled in the window.
//
// The sample's lag is how late the request was sent after at (the timer's
// lateness, or the wait for a free connection): the measure of whether the
// loop kept its schedule, kept apart from the latency.
func (w *worker) request(k, at, start, _ int64) {
	r := w.r
	measured := r.measuring(at)
	q := int8(-1)
	if measured {
		q = quarter(at, r.measureStart.Load(), r.measureEnd.Load())
	}
	if w.c != nil && !w.c.usable() {
		w.drop()
	}
	if w.c == nil && !w.connect() {
		if measured && !r.stopped.Load() {
			now := r.now()
			w.rec.add(sample{lag: (now - at) / 1000, class: classConnect, n: 1, quarter: q})
			r.inWindow.Add(1)
			r.completed(now, false)
		}
		return
	}
	lag := (r.now() - at) / 1000
	if !measured {
		lag = -1
	}
	w.c.push(flight{route: r.sched.route(k), sent: start, at: at})
	ans, err := w.roundTrip()
	if err != nil {
		w.failOpen(err, measured, lag, q)
		return
	}
	now := r.now()
	r.firstAnswer(w.c, []answer{ans}, now)
	r.completed(now, ans.class == classOK)
	if measured {
		w.recordOpen(&ans, now, lag, q)
	}
	if w.c.closing {
		w.drop()
	}
}

// failOpen counts a failed request and closes its connection.
func (w *worker) failOpen(err error, measured bool, lag int64, q int8) {
	class, ok := w.r.classify(err)
	if !ok {
		w.release()
		return
	}
	w.r.completed(w.r.now(), false)
	if measured {
		w.rec.add(sample{lag: lag, class: class, n: 1, quarter: q})
		w.r.inWindow.Add(1)
	}
	w.drop()
}

// roundTrip writes the queued request and reads until its answer arrives.
func (w *worker) roundTrip() (answer, error) {
	if err := w.c.flush(); err != nil {
		return answer{}, err
	}
	for {
		if err := w.arm(w.r.now()); err != nil {
			return answer{}, err
		}
		ans, err := w.c.receive(w.answers[:0])
		w.answers = ans[:0]
		if len(ans) > 0 {
			return ans[0], nil
		}
		if err != nil {
			return answer{}, err
		}
	}
}

func (w *worker) recordOpen(a *answer, now, lag int64, q int8) {
	w.rec.add(sample{us: (now - a.sent) / 1000, lag: lag, route: a.route, status: a.status, class: a.class, n: 1, quarter: q})
	w.r.inWindow.Add(1)
	if a.class == classOK && w.r.cfg.Answered != nil {
		w.r.cfg.Answered.Add(1)
	}
}

// schedule is the open loop's or the replay's list of send times: request k
// is sent at at(k), on the route route(k), both deterministic.
type schedule struct {
	next     atomic.Int64
	interval float64 // ns between requests (open loop)
	trace    []TraceEntry
	offset   int64 // replay: where the trace's offset 0 lies
	end      int64 // nothing is scheduled at or after it
	cum      []float64
	seed     uint64
	from, to int64 // the measured interval
}

func newSchedule(r *run) *schedule {
	s := &schedule{end: r.measureEnd.Load(), cum: r.cum, seed: uint64(r.cfg.Seed), from: r.measureStart.Load(), to: r.measureEnd.Load()}
	if r.cfg.Mode == ModeReplay {
		s.trace, s.offset = r.cfg.Trace, r.measureStart.Load()
	} else if r.cfg.Rate > 0 {
		s.interval = float64(time.Second) / r.cfg.Rate
	}
	return s
}

// take hands out the next request; false when the schedule is over.
func (s *schedule) take() (k, at int64, ok bool) {
	k = s.next.Add(1) - 1
	at, ok = s.at(k)
	return k, at, ok
}

func (s *schedule) at(k int64) (int64, bool) {
	if s.trace != nil {
		if k >= int64(len(s.trace)) {
			return 0, false
		}
		at := s.offset + int64(s.trace[k].At)
		return at, at < s.end
	}
	at := int64(math.Round(float64(k) * s.interval))
	return at, at < s.end
}

func (s *schedule) route(k int64) int32 {
	if s.trace != nil {
		return int32(s.trace[k].Route)
	}
	if len(s.cum) == 1 {
		return 0
	}
	return pickRoute(s.cum, float64(splitmix(s.seed+uint64(k))>>11)/(1<<53))
}

// offered counts the requests scheduled in the measured interval.
func (s *schedule) offered() int64 {
	var n int64
	for k := int64(0); ; k++ {
		at, ok := s.at(k)
		if !ok {
			return n
		}
		if at >= s.from && at < s.to {
			n++
		}
	}
}

// pickRoute maps u in [0,1) to a route by the cumulative weights.
func pickRoute(cum []float64, u float64) int32 {
	x := u * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return int32(i)
		}
	}
	return int32(len(cum) - 1)
}

// splitmix is SplitMix64's output function: a well-mixed hash of k.
func splitmix(k uint64) uint64 {
	z := k + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
