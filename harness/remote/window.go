package remote

import (
	"fmt"
	"time"

	"loopbench/harness/results"
	"loopbench/harness/validity"
)

// Window is the server's figures over one measured window, in the shape a
// point keeps them, and the server host's kernel counters over it.
type Window struct {
	Usage   results.Usage
	Samples []results.Sample
	// Kernel is the counters' change over the window; nil where the host's
	// counters could not be read.
	Kernel *validity.Counters
	// Note says what could not be read (the server's cgroup), or "".
	Note string
}

// windowWait bounds how long Window waits for a reading past the window's end.
const windowWait = 2 * time.Second

// Window computes the figures between start and end, times on this host's
// clock; offset is the sampled host's clock minus this one's. Readings come
// every 100 ms, so CPU times are interpolated linearly at both ends; memory,
// threads and descriptors are the readings' within the window and the
// first past it; context switches and kernel counters come from the
// readings that enclose the window. The error wraps ErrGone when the
// process went away before the window's end.
func (s *Stream) Window(start, end time.Time, offset time.Duration) (Window, error) {
	s.waitPast(end.Add(offset))
	s.mu.Lock()
	rs := append([]Reading(nil), s.readings...)
	s.mu.Unlock()
	var w Window
	if len(rs) > 0 {
		w.Note = rs[0].Note
	}
	var gone error
	if n := len(rs); n > 0 && rs[n-1].Gone != "" {
		gone = fmt.Errorf("%w: %s", ErrGone, rs[n-1].Gone)
		rs = rs[:n-1]
	}
	if len(rs) == 0 {
		if gone == nil {
			gone = s.Ended()
		}
		return w, gone
	}
	at := func(r Reading) time.Time { return r.Time.Add(-offset) }
	lo, hi := 0, len(rs)-1
	for i, r := range rs {
		if !at(r).After(start) {
			lo = i
		}
	}
	for i := len(rs) - 1; i >= 0; i-- {
		if !at(rs[i]).Before(end) {
			hi = i
		}
	}
	if hi < lo {
		hi = lo
	}
	if gone == nil && at(rs[len(rs)-1]).Before(end) {
		gone = fmt.Errorf("no reading of the server on %s after the window's end: %w", s.proc.Host, s.Ended())
	}
	w.Usage = usage(rs, lo, hi, start, end, at)
	w.Samples = samples(rs, lo, hi, start, end, at)
	if a, b := rs[lo].Kernel, rs[hi].Kernel; a != nil && b != nil {
		d := b.Delta(*a)
		w.Kernel = &d
	}
	return w, gone
}

// waitPast waits until a reading at or after t (the host's clock) has
// arrived, the stream ends, or windowWait passes.
func (s *Stream) waitPast(t time.Time) {
	deadline := time.After(windowWait)
	for {
		s.mu.Lock()
		n := len(s.readings)
		ok := n > 0 && (!s.readings[n-1].Time.Before(t) || s.readings[n-1].Gone != "")
		arrived := s.arrived
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-arrived:
		case <-s.Done():
			return
		case <-deadline:
			return
		}
	}
}

// usage is the server's Usage over [start, end] from rs[lo..hi].
func usage(rs []Reading, lo, hi int, start, end time.Time, at func(Reading) time.Time) results.Usage {
	user := func(r Reading) float64 { return r.Proc.User.Seconds() }
	sys := func(r Reading) float64 { return r.Proc.Sys.Seconds() }
	u := results.Usage{
		CPUUser: interp(rs, lo, hi, end, at, user) - interp(rs, lo, hi, start, at, user),
		CPUSys:  interp(rs, lo, hi, end, at, sys) - interp(rs, lo, hi, start, at, sys),
		RSS:     rs[hi].Proc.RSS, PeakRSS: rs[hi].Proc.PeakRSS,
	}
	for _, r := range rs[lo : hi+1] {
		u.PeakRSS = max(u.PeakRSS, r.Proc.RSS, r.Proc.PeakRSS)
		u.Threads = max(u.Threads, r.Proc.Threads)
		u.FDs = max(u.FDs, r.Proc.FDs)
	}
	if a, b := ctxSwAround(rs, lo, hi); a >= 0 {
		u.VolCtxSw = rs[b].Proc.VolCtxSw - rs[a].Proc.VolCtxSw
		u.InvolCtxSw = rs[b].Proc.InvolCtxSw - rs[a].Proc.InvolCtxSw
	}
	u.CPU, u.CPUSource = u.CPUUser+u.CPUSys, "/proc"
	if g0, g1 := rs[lo].Group, rs[hi].Group; g0 != nil && g1 != nil {
		cpu := func(r Reading) float64 { return r.Group.CPU.Seconds() }
		u.CPU = interp(rs, lo, hi, end, at, cpu) - interp(rs, lo, hi, start, at, cpu)
		u.CPUSource = "cgroup " + rs[hi].Layout
		u.Memory = &results.Memory{Total: g1.Memory, User: g1.Anon, Kernel: g1.Kernel, KernelStack: g1.KernelStack,
			PageTables: g1.PageTables, Slab: g1.Slab, Sock: g1.Sock}
	}
	return u
}

// ctxSwAround finds the readings with context switches closest outside
// rs[lo..hi] (or the nearest inside), -1 when there are not two.
func ctxSwAround(rs []Reading, lo, hi int) (int, int) {
	a, b := -1, -1
	for i, r := range rs {
		if !r.CtxSw {
			continue
		}
		if i <= lo || a < 0 {
			a = i
		}
		if i >= hi && b < 0 {
			b = i
		}
	}
	if b < 0 {
		for i := len(rs) - 1; i > a; i-- {
			if rs[i].CtxSw {
				b = i
				break
			}
		}
	}
	if a < 0 || b <= a {
		return -1, -1
	}
	return a, b
}

// interp is f linearly interpolated at t between the readings of rs[lo..hi]
// that enclose it (the end reading when t lies outside).
func interp(rs []Reading, lo, hi int, t time.Time, at func(Reading) time.Time, f func(Reading) float64) float64 {
	if !t.After(at(rs[lo])) {
		return f(rs[lo])
	}
	for i := lo; i < hi; i++ {
		t0, t1 := at(rs[i]), at(rs[i+1])
		if !t.After(t1) {
			span := t1.Sub(t0).Seconds()
			if span <= 0 {
				return f(rs[i+1])
			}
			x := t.Sub(t0).Seconds() / span
			return f(rs[i]) + x*(f(rs[i+1])-f(rs[i]))
		}
	}
	return f(rs[hi])
}

// samples are the readings within the window as the results keep them: T
// seconds into the window, CPU (from /proc) since its start.
func samples(rs []Reading, lo, hi int, start, end time.Time, at func(Reading) time.Time) []results.Sample {
	cpu := func(r Reading) float64 { return r.Proc.CPU().Seconds() }
	base := interp(rs, lo, hi, start, at, cpu)
	var out []results.Sample
	for _, r := range rs[lo : hi+1] {
		t := at(r)
		if t.Before(start) || t.After(end) {
			continue
		}
		out = append(out, results.Sample{T: t.Sub(start).Seconds(), Requests: r.answered, RSS: r.Proc.RSS,
			Threads: r.Proc.Threads, CPU: cpu(r) - base})
	}
	return out
}
