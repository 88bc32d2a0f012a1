package loadgen

// QuarterResult is one quarter of an open loop's window: the requests
// scheduled in it, and their mean latency (correct answers) and mean send
// lag, in µs.
type QuarterResult struct {
	Requests     int64
	answered     int64
	latency, lag int64
}

// MeanLatency is the quarter's mean latency of correct answers (µs).
func (q QuarterResult) MeanLatency() float64 {
	if q.answered == 0 {
		return 0
	}
	return float64(q.latency) / float64(q.answered)
}

// MeanSendLag is the quarter's mean send lag (µs).
func (q QuarterResult) MeanSendLag() float64 {
	if q.Requests == 0 {
		return 0
	}
	return float64(q.lag) / float64(q.Requests)
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
