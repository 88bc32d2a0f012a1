package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"loopbench/harness/loadgen"
	"loopbench/harness/merge"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// startLead is how far ahead the generators are told to start together:
// time for every transport to start `loopbench load` on its host.
const startLead = 2 * time.Second

// remoteLoad runs the point's load from the client hosts, each its share
// (`loopbench load --share i/N --start-at T --json`), and merges their
// points into p. The window it sets is the generators' joint span on this
// host's clock, over which the server's figures are read. The reasons are
// why the merged point is partial.
func (h *remoteHost) load(ctx context.Context, req LoadRequest, p *results.Point, w *window) ([]string, error) {
	hosts := h.cfg.ClientHosts
	if req.Workload.Mode == workload.ModeReplay {
		return nil, errors.New("a replayed trace cannot be split between --client-hosts; run it from one generator")
	}
	at := time.Now().Add(startLead)
	parts := make([]merge.Part, len(hosts))
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, host := range hosts {
		wg.Go(func() { parts[i], errs[i] = h.runShare(ctx, host, req, i+1, len(hosts), at) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	merged, reasons, err := merge.Points(parts)
	if err != nil {
		return nil, err
	}
	w.set(merge.Span(parts))
	fillLoad(p, &merged)
	return reasons, nil
}

// runShare runs one generator's share on host and reads its point.
func (h *remoteHost) runShare(ctx context.Context, host string, req LoadRequest, i, n int, at time.Time) (merge.Part, error) {
	cl := h.clocks[host]
	c := LoadgenConfig(req)
	argv := append([]string{h.bins[host], "load"}, c.Args()...)
	argv = append(argv, "--share", loadgen.Share{I: i, N: n}.String(), "--start-at", at.Add(cl.offset).UTC().Format(time.RFC3339Nano), "--json", "--stop-on-eof")
	// The generator stops when its stdin ends: when this end is closed
	// after it finished, or when its transport is killed on cancellation.
	stdin, keep, err := os.Pipe()
	if err != nil {
		return merge.Part{}, err
	}
	defer keep.Close()
	out, err := h.t.Output(ctx, host, stdin, argv...)
	stdin.Close()
	if err != nil {
		return merge.Part{}, fmt.Errorf("generator %d/%d on %s: %w", i, n, host, err)
	}
	part := merge.Part{Clocked: true, ClockOffset: cl.offset, ClockError: cl.bound}
	if err := json.Unmarshal(out, &part.Output); err != nil {
		return merge.Part{}, fmt.Errorf("generator %d/%d on %s: reading its JSON: %w", i, n, host, err)
	}
	part.Host = host
	return part, nil
}

// fillLoad copies the merged load figures into the runner's point, which
// keeps its own labels (workload, model, level, CPU sets).
func fillLoad(p, m *results.Point) {
	p.Duration, p.Requests, p.Throughput = m.Duration, m.Requests, m.Throughput
	p.Latency, p.Routes, p.Status, p.Errors = m.Latency, m.Routes, m.Status, m.Errors
	p.NotReady, p.AdmissionWait, p.Unfinished, p.InFlight = m.NotReady, m.AdmissionWait, m.Unfinished, m.InFlight
	p.Client, p.ClientBound, p.Clients = m.Client, m.ClientBound, m.Clients
	if p.IdleConnections > 0 {
		p.IdleHeld = m.IdleHeld
	}
}
