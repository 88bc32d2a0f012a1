package eventloop

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

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

// Stats is what the model writes to Config.StatsFile on shutdown. Its JSON
// field names match harness/results, so the harness reads it directly.
type Stats struct {
	LoopLag LoopLag `json:"loop_lag"`
	// Loops is the number of loops whose lag was merged.
	Loops int `json:"loops"`
}

// LoopLag is how late the loops' lag-monitor timers fired, in milliseconds,
// over every loop of the server.
type LoopLag struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// lagStats summarizes histograms in microseconds.
func lagStats(hists []*hdrhistogram.Histogram) Stats {
	all := hdrhistogram.New(1, maxLagMicros, 3)
	for _, h := range hists {
		all.Merge(h)
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Stats{
		LoopLag: LoopLag{P50: ms(all.ValueAtQuantile(50)), P99: ms(all.ValueAtQuantile(99)), Max: ms(all.Max())},
		Loops:   len(hists),
	}
}

// writeStats writes s as JSON to path atomically: a temporary file in the
// same directory, renamed over path.
func writeStats(path string, s Stats) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("eventloop: stats file: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("eventloop: stats file %s: %w", path, werr)
	}
	return nil
}
