package loadgen

import (
	"net"
	"sync"
	"sync/atomic"
)

// idleDialers is how many goroutines open idle connections: enough that a
// slow accept does not hold back ConnectRate.
const idleDialers = 8

// idleSet is the connections held open without requests.
type idleSet struct {
	conns  []net.Conn
	failed int64
}

// openIdle opens IdleConnections at ConnectRate; failed dials are counted.
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
				nc, err := r.dial()
				mu.Lock()
				if err != nil {
					set.failed++
				} else {
					set.conns = append(set.conns, nc)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return set
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
