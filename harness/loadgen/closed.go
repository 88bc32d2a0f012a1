package loadgen

// closed is the closed loop: until the measured interval ends, the
// connection sends depth requests in one write and sends the next depth when
// all of them have been answered, as wrk does with a pipelining script.
// Once answered, it waits for the end of admission (see openWindow).
// (Refilling after every read kept the pipe fuller but cost a write per
// read: half of wrk's rate at depth 16.)
func (w *worker) closed() {
	defer w.finish()
	r := w.r
	now := r.now()
	for !r.stopped.Load() && now < r.measureEnd.Load() {
		if w.c == nil && !w.connectClosed() {
			now = r.now()
			continue
		}
		if w.answered && w.c.size == 0 && !r.admitted.Load() {
			if !r.awaitAdmission() {
				break
			}
			if at := r.release(w.id, r.cfg.Connections); at > r.now() && !r.sleepUntil(at, nil) {
				break
			}
			now = r.now()
		}
		var err error
		if err = w.fill(now); err == nil {
			now, err = w.await(now)
		}
		if err != nil {
			now = r.now()
			w.fail(err, w.r.measuring(now))
		}
	}
	w.countUnfinished()
}

// countUnfinished counts the requests in flight on the connection as the
// window closes (with their time in flight within it).
func (w *worker) countUnfinished() {
	if w.c != nil && w.r.windowClosed() {
		w.r.unfinished.Add(int64(w.c.size))
		w.r.busy.Add(w.c.busyInWindow(w.r.window()))
	}
}

func (w *worker) connectClosed() bool {
	if w.connect() {
		return true
	}
	if w.r.measuring(w.r.now()) && !w.r.stopped.Load() {
		w.rec.add(sample{lag: -1, class: classConnect, n: 1})
	}
	return false
}

// fill sends depth requests once the previous ones are answered.
func (w *worker) fill(now int64) error {
	c := w.c
	if c.size > 0 {
		return nil
	}
	for c.size < w.depth {
		c.push(flight{route: w.pick(), sent: now, at: now})
	}
	return c.flush()
}

// pick chooses a route of the mix from the worker's own random stream.
func (w *worker) pick() int32 {
	if len(w.r.cum) == 1 {
		return 0
	}
	return pickRoute(w.r.cum, w.rng.Float64())
}

// await reads until at least one answer arrives and records the answers.
func (w *worker) await(now int64) (int64, error) {
	for {
		if err := w.arm(now); err != nil {
			return now, err
		}
		ans, err := w.c.receive(w.answers[:0])
		now = w.r.now()
		w.r.recordAnswers(&w.rec, ans, now)
		if len(ans) > 0 {
			w.r.firstAnswer(w.c, ans, now)
			if !w.answered {
				w.answered = true
				w.r.ready.Add(1)
			}
		}
		w.answers = ans[:0]
		if err != nil {
			return now, err
		}
		if w.c.closing {
			w.serverClosed(w.r.measuring(now))
			return now, nil
		}
		if len(ans) > 0 {
			return now, nil
		}
	}
}

// recordAnswers records in rec the answers of a closed loop that
// completed at now, if now is measured, and adds the correct ones to
// cfg.Answered. Both engines (a goroutine per connection, and epoll) call it.
func (r *run) recordAnswers(rec *recorder, ans []answer, now int64) {
	if len(ans) == 0 {
		return
	}
	start, end := r.window()
	var busy int64
	for i := range ans {
		busy += overlap(ans[i].sent, now, start, end)
	}
	if busy > 0 {
		r.busy.Add(busy)
	}
	if now < start || now >= end {
		return
	}
	ok := int64(0)
	for i := range ans {
		a := &ans[i]
		rec.add(sample{us: (now - a.sent) / 1000, lag: -1, route: a.route, status: a.status, class: a.class, n: 1})
		if a.class == classOK {
			ok++
		}
	}
	if r.cfg.Answered != nil && ok > 0 {
		r.cfg.Answered.Add(ok)
	}
}

// serverClosed handles an answer that announced the connection's close: the
// requests behind it are lost ("closed"), and the next request reconnects.
func (w *worker) serverClosed(measured bool) {
	if lost := w.c.size; lost > 0 && measured {
		w.rec.add(sample{lag: -1, class: classClosed, n: int32(lost)})
	}
	w.drop()
}

// fail counts the requests in flight on a broken connection (at least one)
// in err's class, and closes it.
func (w *worker) fail(err error, measured bool) {
	class, ok := w.r.classify(err)
	if !ok {
		// The run's stop interrupted the wait: what was in flight is
		// unfinished, not failed.
		w.countUnfinished()
		w.release()
		return
	}
	if measured {
		w.rec.add(sample{lag: -1, class: class, n: int32(max(w.c.size, 1))})
	}
	w.drop()
}
