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

// lagStats summarizes the loops' lag monitors: their histograms (in
// microseconds) merged over the server's whole life, and their readings,
// with the number dropped.
func lagStats(hists []*hdrhistogram.Histogram, rs []model.LagReading, dropped int64) model.Stats {
	all := hdrhistogram.New(1, maxLagMicros, 3)
	for _, h := range hists {
		all.Merge(h)
	}
	milli := func(us int64) float64 { return float64(us) / 1000 }
	return model.Stats{
		LoopLag:  model.LoopLag{P50: milli(all.ValueAtQuantile(50)), P99: milli(all.ValueAtQuantile(99)), Max: milli(all.Max())},
		Loops:    len(hists),
		Readings: model.PackLagReadings(lagInterval, rs, dropped),
	}
}
