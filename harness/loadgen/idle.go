package loadgen

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// idleDialers is how many goroutines open idle connections: enough that a
// slow accept does not hold back ConnectRate.
const idleDialers = 8

// idleSet is the connections held open without requests.
type idleSet struct {
	conns  []net.Conn
	dialed []int64 // each connection's dial start (run time)
	failed int64
	// unanswered counts connections whose one request had no correct
	// answer within the admission limit; admission is how long the
	// answers took after the last connection was opened.
	unanswered int64
	admission  time.Duration
}

// openIdle opens IdleConnections at ConnectRate, sending one request of
// the mix's first route on each, and then reads the answers: a keep-alive
// connection that has been answered once is one the server has accepted
// and holds, where an unanswered one may still wait in its accept queue.
// Failed dials are counted, and so are connections left unanswered.
func (r *run) openIdle() idleSet {
	var (
		mu   sync.Mutex
		set  idleSet
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range idleDialers {
		wg.Go(func() {
			for next.Add(1) <= int64(r.cfg.IdleConnections) && r.limiter.wait(r) {
				nc, start, err := r.dial(true)
				if err == nil {
					if _, err = nc.Write(r.routes[0].request); err != nil {
						nc.Close()
					}
				}
				mu.Lock()
				if err != nil {
					set.failed++
				} else {
					set.conns = append(set.conns, nc)
					set.dialed = append(set.dialed, start)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	set.awaitAnswers(r)
	return set
}

// awaitAnswers reads each idle connection's answer, all within twice the
// admission limit (thousands of connections are answered at once), and
// counts the connections left without one.
func (s *idleSet) awaitAnswers(r *run) {
	start := time.Now()
	deadline := start.Add(2 * time.Duration(r.admissionLimit()))
	var (
		wg         sync.WaitGroup
		next       atomic.Int64
		unanswered atomic.Int64
	)
	for range idleDialers {
		wg.Go(func() {
			c := newConn(nil, r.routes, 1) // one read buffer per reader, reset for each connection
			for i := next.Add(1) - 1; i < int64(len(s.conns)); i = next.Add(1) - 1 {
				if !r.answerOnce(c, s.conns[i], deadline) {
					unanswered.Add(1)
					continue
				}
				// Read after it arrived, perhaps: the readers take the
				// connections in turn, so this is an upper bound.
				r.est.answered(s.dialed[i], r.now())
			}
		})
	}
	wg.Wait()
	s.unanswered, s.admission = unanswered.Load(), time.Since(start)
}

// answerOnce reads, through c, the answer to the request sent when nc was
// opened; true if a correct one arrived before deadline. A reader reaches
// some connections only after the deadline (it waited it out on an
// unanswered one), so each read gets at least a millisecond: an answer that
// arrived in time is then still read, instead of failing at once.
func (r *run) answerOnce(c *conn, nc net.Conn, deadline time.Time) bool {
	if floor := time.Now().Add(time.Millisecond); deadline.Before(floor) {
		deadline = floor
	}
	if nc.SetDeadline(deadline) != nil {
		return false
	}
	defer nc.SetDeadline(time.Time{})
	c.reset(nc)
	c.push(flight{route: 0})
	var ans []answer
	for len(ans) == 0 {
		var err error
		if ans, err = c.receive(ans); err != nil || r.ctx.Err() != nil {
			return false
		}
	}
	return ans[0].class == classOK && !c.closing
}

// held counts the idle connections the server has not closed, or returns -1
// where the platform cannot tell without blocking.
func (s *idleSet) held() int {
	n := 0
	for _, c := range s.conns {
		up, err := alive(c)
		if err != nil {
			return -1
		}
		if up {
			n++
		}
	}
	return n
}

func (s *idleSet) close() {
	for _, c := range s.conns {
		c.Close()
	}
}
