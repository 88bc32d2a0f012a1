package analysis

import (
	"fmt"
	"slices"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// Life is what a configuration's points say of their whole life, not only
// their windows: how their connections were established, what the kernel
// counted from the first dial to the last close, and what was marked. It
// is read from every point that was measured (partial ones included: a
// point is partial for its window, and its connections were still
// dialled), never from a failed one.
type Life struct {
	// Points counts the points it is read from; Recorded those that
	// recorded their connections (runs before this record have none).
	Points, Recorded int
	// Connect and FirstAnswer are the merged connect latencies and times
	// from each connection's dial to its first correct answer, in ms:
	// p50, p99 and max, with Samples the number of connections behind
	// them.
	Connect, FirstAnswer [3]float64
	Samples              int64
	// Dials, Failed (by how) and Unanswered add up over the points.
	Dials, Unanswered int64
	Failed            map[string]int64
	// Settled is the median time from a point's first dial to its last
	// connection's first answer, in seconds; DialSpan the median time its
	// load generator took to dial them all.
	Settled, DialSpan results.Stat
	// Overflows, Drops, SynRetrans and Retrans add up the kernel's counts
	// over the points' whole lives (listen-queue overflows, dropped SYNs,
	// retransmitted SYNs, retransmitted segments).
	Overflows, Drops, SynRetrans, Retrans int64
	// Marks are the points' marks, each with its repetition.
	Marks []string
}

// LifeOf is the whole-life record of g, one of the run's configurations.
func LifeOf(g *results.Group) Life {
	var l Life
	conn, first := results.NewHistogram(), results.NewHistogram()
	var live []*results.Point
	for _, p := range g.Points {
		if p.Failed {
			continue
		}
		live = append(live, p)
		l.Points++
		if k := p.Validity.Life; k != nil {
			l.Overflows += k.ListenOverflows
			l.Drops += k.ListenDrops
			l.SynRetrans += k.SynRetrans
			l.Retrans += k.RetransSegs
		}
		for _, m := range p.Validity.Marks {
			l.Marks = append(l.Marks, fmt.Sprintf("rep %d: %s", p.Rep+1, m))
		}
		c := p.Connect
		if c == nil {
			continue
		}
		l.Recorded++
		l.Dials += c.Dials
		l.Unanswered += c.Unanswered
		l.Failed = results.AddCounts(l.Failed, c.Failed)
		addEncoded(conn, c.Latency.Histogram)
		addEncoded(first, c.FirstAnswer.Histogram)
	}
	l.Connect, l.FirstAnswer, l.Samples = pctMax(conn), pctMax(first), conn.TotalCount()
	sub := results.Group{Key: g.Key, Points: slices.DeleteFunc(live, func(p *results.Point) bool { return p.Connect == nil })}
	l.Settled = sub.Measure(func(p *results.Point) float64 { return p.Connect.Settled })
	l.DialSpan = sub.Measure(func(p *results.Point) float64 { return p.Connect.DialSpan })
	return l
}

// addEncoded adds an encoded histogram to h; one that does not decode is
// left out (the point's percentiles still stand in its record).
func addEncoded(h *hdr.Histogram, enc string) {
	if enc == "" {
		return
	}
	if one, err := results.DecodeHistogram(enc); err == nil {
		h.Merge(one)
	}
}

// pctMax is p50, p99 and the maximum of h in ms (zeros when empty).
func pctMax(h *hdr.Histogram) [3]float64 {
	if h.TotalCount() == 0 {
		return [3]float64{}
	}
	return [3]float64{float64(h.ValueAtQuantile(50)) / 1000, float64(h.ValueAtQuantile(99)) / 1000, float64(h.Max()) / 1000}
}

// Troubled reports whether the kernel counted trouble over the lives of
// the configuration's points, or a connection was never answered.
func (l *Life) Troubled() bool {
	return l.Overflows+l.Drops+l.SynRetrans+l.Retrans+l.Unanswered > 0 || len(l.Failed) > 0
}
