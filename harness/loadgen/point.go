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
