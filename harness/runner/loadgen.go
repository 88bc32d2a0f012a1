package runner

import (
	"context"

	"loopbench/harness/loadgen"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// Loadgen is the LoadFunc of a real run: harness/loadgen driven by the
// workload's mix and mode at one level.
func Loadgen(ctx context.Context, req LoadRequest, p *results.Point) error {
	res, err := loadgen.Run(ctx, LoadgenConfig(req))
	if res != nil {
		res.Point(p)
		if req.Level.IdleConnections > 0 {
			p.IdleHeld = res.IdleHeld
		}
	}
	return err
}

// LoadgenConfig translates one point of a workload into the load
// generator's configuration. A replay sends the trace lines that fall
// within the duration.
func LoadgenConfig(req LoadRequest) loadgen.Config {
	w, l := req.Workload, req.Level
	cfg := loadgen.Config{
		Addr: req.Addr, Mode: w.Mode, Connections: l.Connections, Pipeline: l.Pipeline, Rate: l.Rate,
		IdleConnections: l.IdleConnections, ConnectRate: w.ConnectRate(),
		Warmup: w.Warmup.Duration, Duration: w.Duration.Duration, Timeout: w.Timeout.Duration, Stagger: w.Closed.Stagger.Duration,
		Seed: req.Seed, OnMeasure: req.OnMeasure, OnMeasureEnd: req.OnMeasureEnd, Answered: req.Answered,
	}
	for _, r := range w.Mix {
		cfg.Mix = append(cfg.Mix, loadgen.Route{Target: r.Target, Weight: r.Weight})
	}
	if w.Mode == workload.ModeReplay {
		targets, index := w.TraceRoutes()
		for _, t := range targets {
			cfg.Mix = append(cfg.Mix, loadgen.Route{Target: t, Weight: 1})
		}
		for i, line := range w.Trace {
			if line.At < cfg.Duration {
				cfg.Trace = append(cfg.Trace, loadgen.TraceEntry{At: line.At, Route: index[i]})
			}
		}
	}
	return cfg
}
