package merge

import (
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// connect adds the parts' connection establishments: counts add, the
// histograms add exactly, the spans are the longest. Parts that recorded
// none leave the merged point without one.
func connect(p *results.Point, parts []Part) error {
	var c *results.Connect
	lat, first := results.NewHistogram(), results.NewHistogram()
	for i := range parts {
		q := parts[i].Point.Connect
		if q == nil {
			continue
		}
		if c == nil {
			c = &results.Connect{}
		}
		c.Dials += q.Dials
		c.Established += q.Established
		c.Unanswered += q.Unanswered
		c.Failed = results.AddCounts(c.Failed, q.Failed)
		c.DialSpan = math.Max(c.DialSpan, q.DialSpan)
		c.Settled = math.Max(c.Settled, q.Settled)
		if err := addHist(lat, q.Latency, parts, i, "connect latency"); err != nil {
			return err
		}
		if err := addHist(first, q.FirstAnswer, parts, i, "first answers"); err != nil {
			return err
		}
	}
	if c == nil {
		return nil
	}
	var err error
	if c.Latency, err = summarizeIfAny(lat); err != nil {
		return err
	}
	if c.FirstAnswer, err = summarizeIfAny(first); err != nil {
		return err
	}
	p.Connect = c
	return nil
}

func summarizeIfAny(h *hdr.Histogram) (results.Latency, error) {
	if h.TotalCount() == 0 {
		return results.Latency{}, nil
	}
	return results.Summarize(h)
}

// schedule adds the parts' open-loop schedules: the offered and completed
// rates add; the send lag's percentiles and the quarters' medians are the
// worst part's, since a generator that fell behind makes the merged point
// fall behind. Validity judges the result again.
func schedule(p *results.Point, parts []Part) {
	var s *results.Schedule
	for i := range parts {
		q := parts[i].Point.Schedule
		if q == nil {
			continue
		}
		if s == nil {
			s = &results.Schedule{SendLag: q.SendLag, Quarters: append([]results.Quarter(nil), q.Quarters...)}
		} else {
			if q.SendLag.P99 > s.SendLag.P99 {
				s.SendLag = q.SendLag
			}
			for j := range min(len(s.Quarters), len(q.Quarters)) {
				s.Quarters[j].Requests += q.Quarters[j].Requests
				s.Quarters[j].Latency = math.Max(s.Quarters[j].Latency, q.Quarters[j].Latency)
				s.Quarters[j].SendLag = math.Max(s.Quarters[j].SendLag, q.Quarters[j].SendLag)
			}
		}
		s.Offered += q.Offered
		s.Completed += q.Completed
	}
	if s != nil {
		s.SendLag.Histogram = ""
		p.Schedule = s
	}
}
