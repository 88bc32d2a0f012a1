package loadgen

import hdr "github.com/HdrHistogram/hdrhistogram-go"

// QuarterResult is one quarter of an open loop's window: the requests
// scheduled in it, with the median latency of the correct answers and the
// median send lag, in µs.
type QuarterResult struct {
	Requests int64
	lat, lag *hdr.Histogram
}

func (q *QuarterResult) add(t *quarterTally) {
	if q.lat == nil {
		q.lat, q.lag = newQuarterTally().lat, newQuarterTally().lag
	}
	q.Requests += t.n
	q.lat.Merge(t.lat)
	q.lag.Merge(t.lag)
}

// MedianLatency is the quarter's median latency of correct answers (µs).
func (q QuarterResult) MedianLatency() float64 { return median(q.lat) }

// MedianSendLag is the quarter's median send lag (µs).
func (q QuarterResult) MedianSendLag() float64 { return median(q.lag) }

func median(h *hdr.Histogram) float64 {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	return float64(h.ValueAtQuantile(50))
}

// quarter is the quarter of the window [start, end) that scheduled time at
// falls in, or -1 outside it.
func quarter(at, start, end int64) int8 {
	if at < start || at >= end || end <= start {
		return -1
	}
	return int8((at - start) * 4 / (end - start))
}

// completed counts an open-loop request that completed at now, if that is
// within the window.
func (r *run) completed(now int64, ok bool) {
	if !r.measuring(now) {
		return
	}
	r.done.Add(1)
	if ok {
		r.doneOK.Add(1)
	}
}
