package eventloop

import (
	"time"

	"loopbench/servers/model"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// lagInterval is how often the lag monitor's timer is due: Node's
// monitorEventLoopDelay default resolution.
const lagInterval = 10 * time.Millisecond

// maxLagMicros is the largest lag the histogram records (60 s); larger
// values are recorded as this.
const maxLagMicros = 60_000_000

// lagMonitor measures how late a repeating timer fires, as Node's
// monitorEventLoopDelay does: whatever keeps the loop from returning to its
// timers phase (a long callback such as inline /cpu, a large batch of I/O)
// shows up as lateness.
type lagMonitor struct {
	t    timer
	hist *hdrhistogram.Histogram // microseconds, recorded on the loop thread only
	heap *timerHeap
}

func newLagMonitor() *lagMonitor {
	m := &lagMonitor{hist: hdrhistogram.New(1, maxLagMicros, 3)}
	m.t.cb = m
	return m
}

// begin starts the monitor's timer on h.
func (m *lagMonitor) begin(h *timerHeap, now int64) {
	m.heap = h
	h.start(&m.t, now+int64(lagInterval))
}

func (m *lagMonitor) onTimer(t *timer, now int64) {
	late := (now - t.when) / int64(time.Microsecond)
	_ = m.hist.RecordValue(min(max(late, 0), maxLagMicros))
	m.heap.start(t, now+int64(lagInterval))
}

// lagStats summarizes histograms in microseconds.
func lagStats(hists []*hdrhistogram.Histogram) model.Stats {
	all := hdrhistogram.New(1, maxLagMicros, 3)
	for _, h := range hists {
		all.Merge(h)
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return model.Stats{
		LoopLag: model.LoopLag{P50: ms(all.ValueAtQuantile(50)), P99: ms(all.ValueAtQuantile(99)), Max: ms(all.Max())},
		Loops:   len(hists),
	}
}
