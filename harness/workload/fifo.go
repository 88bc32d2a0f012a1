package workload

import (
	"fmt"
	"slices"
	"strings"

	"loopbench/app"
)

// usesFIFO reports whether any route of the workload, or of its trace once
// loaded, waits on the backend's FIFOs (/fifo).
func (w *Workload) usesFIFO() bool {
	for _, r := range w.Mix {
		if isFIFO(r.Target) {
			return true
		}
	}
	return slices.ContainsFunc(w.Trace, func(l TraceLine) bool { return isFIFO(l.Target) })
}

func isFIFO(target string) bool { return target == "/fifo" || strings.HasPrefix(target, "/fifo?") }

// checkFIFOSlots makes sure a workload of /fifo never has more requests in
// flight than a server has FIFO slots (app.FIFOSlots): beyond them a
// server answers 503, which would measure the slots, not the pool.
func (w *Workload) checkFIFOSlots() error {
	if !w.usesFIFO() {
		return nil
	}
	field, most := w.mostInFlight()
	if most > app.FIFOSlots {
		return w.errorf(field, fmt.Sprintf("keeps up to %d /fifo requests in flight, more than the %d FIFO slots a server has (it would answer the rest 503)", most, app.FIFOSlots),
			fmt.Sprintf("keep connections (times the pipeline depth) at or below %d", app.FIFOSlots))
	}
	return nil
}

// mostInFlight is the most requests the workload can have in flight at
// once, at any level, quick levels included, and the field that sets it.
func (w *Workload) mostInFlight() (field string, n int) {
	var quick []int
	if w.QuickSettings != nil {
		quick = w.QuickSettings.Connections
	}
	switch w.Mode {
	case ModeClosed:
		return "closed.connections", maxOf(append(slices.Clone(w.Closed.Connections), quick...)) * max(1, w.Closed.Pipeline)
	case ModeBurst:
		return "burst.connections", maxOf(append(slices.Clone(w.Burst.Connections), quick...))
	case ModeOpen:
		return "open.connections", w.Open.Connections
	case ModeReplay:
		return "replay.connections", w.Replay.Connections
	case ModeIdle:
		return "idle.probe_connections", w.Idle.ProbeConnections
	}
	return "mode", 0
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
