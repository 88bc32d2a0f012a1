package loadgen

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// burst is the accept-burst mode: Connections clients arrive at once. Every
// connection is dialled at the same moment (no ConnectRate pacing, no
// admission), sends one request of the mix's first route as soon as it is
// established and reads the answer; an answered connection stays open until
// every connection is answered or has failed, or Timeout has passed, so the
// server holds them all at the peak. The point is the burst itself: its
// window runs from the first dial to the last answer (or the deadline), its
// latency is each connection's time from its dial to its answer, and the
// establishment record says how the dials went (connect latency, refused,
// reset, timed out) and which connections were never answered.
func (r *run) burst() {
	n := r.cfg.Connections
	deadline := r.now() + r.timeout
	r.setWindow(r.now())
	r.measureEnd.Store(deadline)
	r.hardStop.Store(deadline)
	call(r.cfg.OnMeasure)
	var (
		wg      sync.WaitGroup
		settled atomic.Int64 // connections answered, or failed for good
		all     = make(chan struct{})
		once    sync.Once
	)
	finish := func() {
		if settled.Add(1) == int64(n) {
			once.Do(func() { close(all) })
		}
	}
	for i := range n {
		wg.Go(func() { r.burstOne(i, deadline, all, finish) })
	}
	timer := time.NewTimer(time.Duration(deadline - r.now()))
	select {
	case <-all:
	case <-timer.C:
	case <-r.ctx.Done():
	}
	timer.Stop()
	end := r.now()
	r.measureEnd.Store(end)
	r.stopAt = end
	call(r.cfg.OnMeasureEnd)
	once.Do(func() { close(all) })
	r.stop()
	wg.Wait()
}

// burstOne is one arriving client: dial, one request, its answer, then
// hold the connection until the burst is over.
func (r *run) burstOne(i int, deadline int64, all <-chan struct{}, finish func()) {
	rec := r.tally.recorder(i)
	defer rec.flush()
	d := net.Dialer{Deadline: r.at(deadline)}
	start := r.now()
	nc, err := d.DialContext(r.ctx, "tcp", r.cfg.Addr)
	if err != nil {
		if r.ctx.Err() == nil {
			r.est.dialed(start, r.now(), err)
			rec.add(sample{lag: -1, class: classConnect, n: 1})
		}
		finish()
		return
	}
	r.est.dialed(start, r.now(), nil)
	r.connected.Store(true)
	if !r.conns.add(nc) {
		nc.Close()
		finish()
		return
	}
	defer func() { r.conns.remove(nc); nc.Close() }()
	c := newConn(nc, r.routes, 1)
	c.dialed = start
	c.push(flight{route: 0, sent: start, at: start})
	ans, err := r.burstAnswer(c, deadline)
	now := r.now()
	switch {
	case err == nil:
		r.firstAnswer(c, []answer{ans}, now)
		rec.add(sample{us: (now - start) / 1000, lag: -1, route: ans.route, status: ans.status, class: ans.class, n: 1})
	case r.parent.Err() != nil:
	case r.stopped.Load() || errors.Is(err, os.ErrDeadlineExceeded):
		rec.add(sample{lag: -1, class: classTimeout, n: 1}) // not answered by the deadline
	default:
		if class, ok := r.classify(err); ok {
			rec.add(sample{lag: -1, class: class, n: 1})
		}
	}
	finish()
	<-all
}

// burstAnswer writes the connection's request and reads its answer by the
// deadline.
func (r *run) burstAnswer(c *conn, deadline int64) (answer, error) {
	if err := c.nc.SetDeadline(r.at(deadline)); err != nil {
		return answer{}, err
	}
	if err := c.flush(); err != nil {
		return answer{}, err
	}
	var buf []answer
	for {
		ans, err := c.receive(buf[:0])
		if len(ans) > 0 {
			return ans[0], nil
		}
		if err != nil {
			return answer{}, err
		}
		buf = ans
	}
}
