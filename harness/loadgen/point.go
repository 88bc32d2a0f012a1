package loadgen

import (
	"strconv"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// Point fills the load generator's part of a results point: the measured
// duration, requests, throughput, latency (with the whole histogram), each
// route, the statuses and the errors. The runner fills the rest.
func (r *Result) Point(p *results.Point) {
	p.Duration = r.Duration.Seconds()
	p.NotReady, p.AdmissionWait, p.Unfinished = r.NotReady, r.Admission.Seconds(), r.Unfinished
	p.InFlight = r.InFlight
	p.Requests = r.Requests
	p.Throughput = 0
	if r.Duration > 0 {
		p.Throughput = float64(r.Requests) / r.Duration.Seconds()
	}
	p.Latency = summarize(r.All)
	p.Routes = p.Routes[:0]
	for _, rr := range r.Routes {
		p.Routes = append(p.Routes, results.RouteStats{Route: rr.Target, Requests: rr.Requests, Latency: summarize(rr.Hist)})
	}
	p.Status = make(map[string]int64, len(r.Status))
	for code, n := range r.Status {
		p.Status[strconv.Itoa(code)] = n
	}
	p.Errors = make(map[string]int64, len(r.Errors))
	for class, n := range r.Errors {
		p.Errors[class] = n
	}
	p.Connect = r.Establishment.point()
	if r.Offered > 0 {
		p.Schedule = r.schedule()
		// What the server kept up with, not what was offered: a point
		// that fell behind its schedule says so in its rate.
		p.Throughput = 0
		if r.Duration > 0 {
			p.Throughput = float64(r.CompletedOK) / r.Duration.Seconds()
		}
	}
}

// point is the establishment as a results point keeps it (nil when no
// connection was dialled).
func (e *Establishment) point() *results.Connect {
	if e.Dials == 0 {
		return nil
	}
	c := &results.Connect{Dials: e.Dials, Established: e.Established, Unanswered: e.Unanswered(),
		Latency: summarize(e.Connect), FirstAnswer: summarize(e.FirstAnswer),
		DialSpan: e.DialSpan.Seconds(), Settled: e.Settled.Seconds()}
	if len(e.Failed) > 0 {
		c.Failed = make(map[string]int64, len(e.Failed))
		for k, v := range e.Failed {
			c.Failed[k] = v
		}
	}
	return c
}

// schedule is an open loop's record of its schedule; validity judges it.
func (r *Result) schedule() *results.Schedule {
	s := &results.Schedule{SendLag: summarize(r.SendLag)}
	if d := r.Duration.Seconds(); d > 0 {
		s.Offered, s.Completed = float64(r.Offered)/d, float64(r.Completed)/d
	}
	for _, q := range r.Quarters {
		s.Quarters = append(s.Quarters, results.Quarter{Requests: q.Requests, Latency: q.MedianLatency(), SendLag: q.MedianSendLag()})
	}
	return s
}

// summarize is results.Summarize, falling back to the percentiles alone if
// the histogram cannot be encoded (which only a corrupt histogram causes).
func summarize(h *hdr.Histogram) results.Latency {
	if h == nil {
		return results.Latency{}
	}
	if l, err := results.Summarize(h); err == nil {
		return l
	}
	return results.Latency{
		Count: h.TotalCount(), Mean: h.Mean(),
		P50: float64(h.ValueAtQuantile(50)), P90: float64(h.ValueAtQuantile(90)),
		P99: float64(h.ValueAtQuantile(99)), P999: float64(h.ValueAtQuantile(99.9)),
		Max: float64(h.Max()),
	}
}
