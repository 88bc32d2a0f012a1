package results

// The parts of a point that account for its whole life, not only its
// measured window: how its connections were established, how an open loop
// kept its schedule, and what the kernel counted from the first dial to the
// last close.

// Connect is how a point's connections were established, over the whole
// point (admission, warm-up and window alike): a server slow to accept
// shows here even where the window, which opens once every connection has
// been answered, does not.
type Connect struct {
	// Dials counts the connections the load generator dialled;
	// Established those that connected; Failed the rest by how they
	// failed ("refused", "reset", "timeout", "other").
	Dials       int64            `json:"dials"`
	Established int64            `json:"established"`
	Failed      map[string]int64 `json:"failed,omitempty"`
	// Unanswered counts connections established but never answered
	// correctly before the point ended.
	Unanswered int64 `json:"unanswered"`
	// Latency is each dial's connect latency, from its start to the
	// established socket; FirstAnswer each connection's time from its dial
	// to its first correct answer (for idle connections, when the answer
	// was read, which may be later than it arrived).
	Latency     Latency `json:"latency"`
	FirstAnswer Latency `json:"first_answer"`
	// DialSpan is the time from the first dial to the last (the load
	// generator's own pacing: ConnectRate), Settled from the first dial to
	// the last connection's first answer, in seconds.
	DialSpan float64 `json:"dial_span_s"`
	Settled  float64 `json:"settled_s"`
}

// Schedule is how an open loop kept to its schedule over the window: a
// point that fell behind did not hold its rate, whatever its latencies say.
type Schedule struct {
	// Offered is the rate the schedule asked for; Completed the rate of
	// requests (correct or not) completed within the window.
	Offered   float64 `json:"offered_rps"`
	Completed float64 `json:"completed_rps"`
	// SendLag is how late requests were sent after their scheduled time,
	// µs: waiting for a free connection, or the client's timers.
	SendLag Latency `json:"send_lag"`
	// Quarters are the median latency and median send lag (µs) of the
	// requests scheduled in each quarter of the window, in order: a queue
	// that grew through the window shows as a rise, one stalled request
	// does not.
	Quarters []Quarter `json:"quarters,omitempty"`
	// Held reports that the point kept its schedule; Reason says why not.
	Held   bool   `json:"held"`
	Reason string `json:"reason,omitempty"`
}

// Quarter is one quarter of an open loop's window.
type Quarter struct {
	Requests int64   `json:"requests"`
	Latency  float64 `json:"latency_p50_us"`
	SendLag  float64 `json:"send_lag_p50_us"`
}

// AddCounts adds the counts of from to into, making into when it is nil
// and from has counts, and returns it.
func AddCounts(into, from map[string]int64) map[string]int64 {
	for k, v := range from {
		if into == nil {
			into = map[string]int64{}
		}
		into[k] += v
	}
	return into
}
