// Package deadline gives the request-head and idle timeouts to a model
// whose library has none (gnet, evio): each connection publishes what it
// waits for and since when (its loop writes, a ticker on another goroutine
// reads, hence atomics), and the ticker asks each open connection whether
// it is past its deadline. What a model then does (close through the
// library, or wake the connection to close itself) is its own.
package deadline

import (
	"sync"
	"sync/atomic"
	"time"
)

// Wait is what a connection waits for.
type Wait int32

const (
	Idle Wait = iota // on its client, with nothing in progress: the idle timeout runs
	Head             // on the rest of a request: the head timeout runs
	Busy             // on the server (a deferred answer): no deadline
)

// Of is what a connection waits for: on the server while it owes answers
// (Busy), on the rest of a request while part of one has arrived (Head),
// else on its client (Idle).
func Of(owed, partial bool) Wait {
	switch {
	case owed:
		return Busy
	case partial:
		return Head
	}
	return Idle
}

// Expiry is what a connection past its deadline must do.
type Expiry int32

const (
	None        Expiry = iota
	HeadTimeout        // answer 408 (app.ErrHeadTimeout) and close
	IdleTimeout        // close
)

// State is one connection's published wait.
type State struct {
	wait  atomic.Int32
	since atomic.Int64 // Unix ns at which the wait began
}

// Publish records what the connection waits for now. A wait that stays
// Head keeps its start, so the head timeout runs from a request's first
// byte; Idle restarts at every call (the client was just heard from).
func (s *State) Publish(w Wait) {
	if old := Wait(s.wait.Swap(int32(w))); old != w || w == Idle {
		s.since.Store(time.Now().UnixNano())
	}
}

// Heard restarts the current wait's clock: the client was just heard from
// (it took some of its answers), whatever it waits for.
func (s *State) Heard() { s.since.Store(time.Now().UnixNano()) }

// Due says what the connection must do at now (Unix ns) under the bounds.
func (s *State) Due(now int64, head, idle time.Duration) Expiry {
	since := s.since.Load()
	switch Wait(s.wait.Load()) {
	case Head:
		if now-since > int64(head) {
			return HeadTimeout
		}
	case Idle:
		if now-since > int64(idle) {
			return IdleTimeout
		}
	}
	return None
}

// Every is how often a ticker looks: four times per head timeout, at most
// once a second, so a deadline is kept within a quarter of it.
func Every(head time.Duration) time.Duration {
	return min(time.Second, max(head/4, 10*time.Millisecond))
}

// Set is a model's open connections, for its ticker.
type Set[C comparable] struct {
	mu sync.Mutex
	m  map[C]struct{}
}

// Add and Remove keep the set as connections open and close.
func (s *Set[C]) Add(c C) {
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[C]struct{})
	}
	s.m[c] = struct{}{}
	s.mu.Unlock()
}

func (s *Set[C]) Remove(c C) {
	s.mu.Lock()
	delete(s.m, c)
	s.mu.Unlock()
}

// Each calls f for every open connection, under the set's lock: f must
// not block, nor Add or Remove.
func (s *Set[C]) Each(f func(C)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.m {
		f(c)
	}
}
