package validity

import (
	"fmt"
	"strings"

	"loopbench/harness/results"
)

// The bounds of the schedule check (holdsRate).
const (
	// MinCompletion is the share of its offered rate an open loop must
	// complete within its window.
	MinCompletion = 0.95
	// RiseFactor and RiseFloor say when a median that grew through the
	// window grew enough to count: its last quarter at least RiseFactor
	// times its first, and RiseFloor µs above it. A queue that grows does
	// so by hundreds of milliseconds over a window; a busy host's jitter
	// moves a median by a few.
	RiseFactor = 2.0
	RiseFloor  = 10_000.0
)

// point is the counters as a point keeps them.
func (k Counters) point() *results.KernelCounters {
	kc := &results.KernelCounters{ListenOverflows: k.ListenOverflows, ListenDrops: k.ListenDrops,
		TCPTimeouts: k.TCPTimeouts, RetransSegs: k.RetransSegs, SynRetrans: k.SynRetrans}
	if k.Total > 0 {
		kc.StealShare = float64(k.Steal) / float64(k.Total)
	}
	return kc
}

// retransmits marks a point on this host's loopback during whose window
// the kernel retransmitted segments: loopback loses nothing by itself, so a
// retransmitted segment there is one a full queue dropped, and the request
// behind it waited 200 ms or more (a SYN, a second or more). The window's
// figures stand, for the wait is the server's (its queues were full), and
// the mark says where its tail comes from. The counters are the host's:
// other traffic on it counts too, which is why a busy host must not run
// beside a measurement. (Over a real network a lost segment may be the
// network's; a remote run is not marked for it.)
func retransmits(p *results.Point, v *results.Validity) {
	k := v.Kernel
	if p.ServerHost != "" || k == nil || (k.RetransSegs == 0 && k.SynRetrans == 0) {
		return
	}
	v.Marks = append(v.Marks, fmt.Sprintf("during the window the kernel retransmitted %d segments (%d of them SYNs) on loopback: a full queue dropped them, and the requests behind them waited for the retransmission", k.RetransSegs, k.SynRetrans))
}

// judgeLife records the counters over the point's whole life and marks
// what happened outside the window: listen-queue overflows and dropped
// SYNs while connections were admitted, and (on loopback) retransmitted
// segments. A mark leaves the window's figures valid; the report lists it.
func judgeLife(p *results.Point, v *results.Validity, life Counters) {
	v.Life = life.point()
	if p.Mode != "burst" {
		retransmits(p, v)
	}
	out := Counters{ListenOverflows: life.ListenOverflows, ListenDrops: life.ListenDrops, RetransSegs: life.RetransSegs, SynRetrans: life.SynRetrans}
	if w := v.Kernel; w != nil {
		out.ListenOverflows -= w.ListenOverflows
		out.ListenDrops -= w.ListenDrops
		out.RetransSegs -= w.RetransSegs
		out.SynRetrans -= w.SynRetrans
	}
	var parts []string
	if out.ListenOverflows > 0 || out.ListenDrops > 0 {
		parts = append(parts, fmt.Sprintf("%d listen-queue overflows and %d dropped SYNs", out.ListenOverflows, out.ListenDrops))
	}
	if p.ServerHost == "" && (out.RetransSegs > 0 || out.SynRetrans > 0) {
		parts = append(parts, fmt.Sprintf("%d retransmitted segments (%d SYNs)", out.RetransSegs, out.SynRetrans))
	}
	if len(parts) > 0 && p.Mode != "burst" {
		v.Marks = append(v.Marks, "outside the window (admitting or closing connections) the kernel counted "+strings.Join(parts, " and "))
	}
}

// holdsRate checks that an open loop kept its schedule: it completed
// within the window at least MinCompletion of the rate it offered, and
// neither its latency nor its send lag rose through the window (a queue
// that grows, in the server or in the load generator waiting for a free
// connection, means the rate is above what the server takes, even when no
// request has timed out yet). A trace's rate changes by design, so a
// replay is held to its completions alone. The verdict is written into the
// point's Schedule.
func holdsRate(p *results.Point, _ *results.Validity) string {
	s := p.Schedule
	if s == nil || s.Offered == 0 {
		return ""
	}
	var why []string
	if r := s.Completed / s.Offered; r < MinCompletion {
		why = append(why, fmt.Sprintf("it completed %.0f req/s of the %.0f offered within the window (%.0f%%)", s.Completed, s.Offered, 100*r))
	}
	if p.Mode != "replay" && len(s.Quarters) == 4 {
		lat := func(q results.Quarter) float64 { return q.Latency }
		lag := func(q results.Quarter) float64 { return q.SendLag }
		if rose(s.Quarters, lat) {
			why = append(why, "its latency rose through the window ("+quarters(s.Quarters, lat)+" by quarter)")
		}
		if rose(s.Quarters, lag) {
			why = append(why, "its send lag rose through the window ("+quarters(s.Quarters, lag)+" by quarter): requests waited for a free connection")
		}
	}
	s.Held = len(why) == 0
	if s.Held {
		s.Reason = ""
		return ""
	}
	s.Reason = strings.Join(why, "; ")
	return "did not hold its rate: " + s.Reason + "; its throughput is the rate it completed"
}

// rose reports whether a median rose through the quarters: never falling
// from one quarter to the next, and its last at least RiseFactor times its
// first and RiseFloor µs above it.
func rose(qs []results.Quarter, f func(results.Quarter) float64) bool {
	for i := 1; i < len(qs); i++ {
		if f(qs[i]) < f(qs[i-1]) {
			return false
		}
	}
	first, last := f(qs[0]), f(qs[len(qs)-1])
	return last >= RiseFactor*first && last-first >= RiseFloor
}

func quarters(qs []results.Quarter, f func(results.Quarter) float64) string {
	var s []string
	for _, q := range qs {
		s = append(s, fmt.Sprintf("%.1f", f(q)/1000))
	}
	return strings.Join(s, ", ") + " ms"
}
