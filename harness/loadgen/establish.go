package loadgen

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// Establishment is how a run's connections were established, over the
// whole run (admission, warm-up and window alike): every dial's connect
// latency, how the failed dials failed, and how long each connection waited
// from its own dial for its first answer. A server slow to accept shows
// here even when the window, which opens once every connection has been
// answered, does not show it.
type Establishment struct {
	// Connect is each successful dial's time from its start to the
	// established socket (µs); FirstAnswer each connection's time from its
	// dial's start to its first answer (µs).
	Connect, FirstAnswer *hdr.Histogram
	// Dials counts the connections dialled; Established those that
	// connected; Failed the others by how they failed: "refused",
	// "reset", "timeout" or "other".
	Dials, Established int64
	Failed             map[string]int64
	// Answered counts the established connections that had an answer
	// before the run ended; the rest were established and never answered.
	Answered int64
	// DialSpan is the time from the first dial to the last; Settled the
	// time from the first dial to the last connection's first answer
	// (zero when none was answered).
	DialSpan, Settled time.Duration
}

// Unanswered counts connections established but never answered.
func (e *Establishment) Unanswered() int64 { return max(0, e.Established-e.Answered) }

// establish records a run's connections as they are established and
// answered; every engine and mode reports to it. Dials are not on the hot
// path of a closed loop (connections are reused), so one mutex serves.
type establish struct {
	mu                            sync.Mutex
	e                             Establishment
	firstDial, lastDial, lastSeen int64 // run times (ns); firstDial -1 until a dial
}

func newEstablish() *establish {
	return &establish{e: Establishment{Connect: results.NewHistogram(), FirstAnswer: results.NewHistogram(), Failed: map[string]int64{}}, firstDial: -1}
}

// dialed records a dial that started at start and ended at end (run times),
// with its error.
func (s *establish) dialed(start, end int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.Dials++
	if s.firstDial < 0 || start < s.firstDial {
		s.firstDial = start
	}
	s.lastDial = max(s.lastDial, start)
	if err != nil {
		s.e.Failed[dialFailure(err)]++
		return
	}
	s.e.Established++
	s.e.Connect.RecordValue(clampMicros(end - start))
}

// answered records a connection's first answer at at, dialled at start.
func (s *establish) answered(start, at int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.Answered++
	s.e.FirstAnswer.RecordValue(clampMicros(at - start))
	s.lastSeen = max(s.lastSeen, at)
}

// result is the record so far.
func (s *establish) result() Establishment {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.e
	e.Connect, e.FirstAnswer = hdr.Import(s.e.Connect.Export()), hdr.Import(s.e.FirstAnswer.Export())
	e.Failed = make(map[string]int64, len(s.e.Failed))
	for k, v := range s.e.Failed {
		e.Failed[k] = v
	}
	if s.firstDial >= 0 {
		e.DialSpan = time.Duration(s.lastDial - s.firstDial)
		if s.e.Answered > 0 {
			e.Settled = time.Duration(s.lastSeen - s.firstDial)
		}
	}
	return e
}

// dialFailure names how a dial failed.
func dialFailure(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED):
		return "reset"
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "other"
}

func clampMicros(ns int64) int64 {
	return min(max(ns/1000, results.HistMin), results.HistMax)
}

// firstAnswer records c's first correct answer, among ans that arrived at
// now, once per connection.
func (r *run) firstAnswer(c *conn, ans []answer, now int64) {
	if c.seen {
		return
	}
	for i := range ans {
		if ans[i].class == classOK {
			c.seen = true
			r.est.answered(c.dialed, now)
			return
		}
	}
}
