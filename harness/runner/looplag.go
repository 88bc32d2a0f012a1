package runner

import (
	"fmt"
	"time"

	"loopbench/harness/results"
	"loopbench/servers/model"
)

// pointLag is a point's loop lag from the statistics its server wrote on
// stop: over the point's window from the server's readings, or, from a
// server that kept none (an older build, as an A/B run's base may be),
// the server's own figures over its whole life, as runs stored before
// servers kept readings have. offset is how far the server's clock is
// ahead of this host's. Nil when no reading falls in the window, which the
// log then says.
func (r *Runner) pointLag(name string, st *model.Stats, offset time.Duration, w *window) *results.LoopLag {
	if st.Readings == nil {
		return loopLag(*st)
	}
	start, end := w.bounds()
	if start.IsZero() || end.IsZero() {
		return nil // the window never opened, and the point failed
	}
	rs := st.Readings
	lag := windowLag(rs, offset, start, end)
	switch {
	case lag == nil:
		fmt.Fprintf(r.cfg.Log, "note: %s: none of its %d loop lag readings falls in the point's window: the point has no loop lag\n", name, rs.Len())
	case rs.Dropped > 0 && time.Unix(0, rs.Reading(0).UnixNano).Add(-offset).After(start):
		fmt.Fprintf(r.cfg.Log, "note: %s kept only its newest %d loop lag readings (%d dropped): the point's loop lag covers the window from %v after its start\n",
			name, rs.Len(), rs.Dropped, time.Unix(0, rs.Reading(0).UnixNano).Add(-offset).Sub(start).Round(time.Millisecond))
	}
	return lag
}

// windowLag is the loop lag over the window from start to end (on this
// host's clock), from readings stamped on a clock offset ahead of this
// one's, through an HDR histogram as the point's other latencies. A reading
// counts when its timer's lateness overlaps the window: the timer was due
// before the window's end and seen after its start, so a stall across
// either edge counts whole, and a loop blocked through the whole window
// still shows. Nil when no reading counts.
func windowLag(rs *model.LagReadings, offset time.Duration, start, end time.Time) *results.LoopLag {
	lo, hi := start.Add(offset).UnixNano(), end.Add(offset).UnixNano()
	h := results.NewHistogram()
	n := 0
	for i := range rs.Len() {
		rd := rs.Reading(i)
		seen, due := rd.UnixNano, rd.UnixNano-rd.LateUs*int64(time.Microsecond)
		if seen < lo || due > hi {
			continue
		}
		_ = h.RecordValue(min(rd.LateUs, results.HistMax))
		n++
	}
	if n == 0 {
		return nil
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return &results.LoopLag{P50: ms(h.ValueAtQuantile(50)), P99: ms(h.ValueAtQuantile(99)), Max: ms(h.Max()), Samples: n}
}
