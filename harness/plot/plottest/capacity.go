package plottest

import "loopbench/harness/results"

// Capacity returns invented capacity searches of plaintext at p99=5ms for
// three models, shaped as a hockey stick: latency flat at low rates and
// climbing as the rate nears each model's saturation, the probes above it
// falling behind their rate (not held). eventloop's passing probes carry
// an energy reading; node's last probe is client-bound. The figures are
// invented, never measured.
func Capacity() []results.Capacity {
	var out []results.Capacity
	for _, m := range []struct {
		name string
		sat  float64 // the rate at which the invented server saturates
	}{{"eventloop", 50_000}, {"threaded", 36_000}, {"node", 22_000}} {
		out = append(out, search(m.name, m.sat))
	}
	return out
}

// search is one model's invented search: a bracket from 2 × sat down, a
// bisection, a staircase, and a curve probe past the capacity.
func search(model string, sat float64) results.Capacity {
	c := results.Capacity{Workload: "plaintext", Model: model, Variant: "default", Objectives: []string{"p99=5ms"},
		Start: 2 * sat, StartFrom: "the model's closed-loop throughput in this run",
		Capacity: 0.8 * sat, Low: 0.74 * sat, High: 0.86 * sat, Took: 14}
	phases := []string{results.PhaseBracket, results.PhaseBracket, results.PhaseBisect, results.PhaseBisect, results.PhaseBisect, results.PhaseConfirm, results.PhaseCurve}
	for i, f := range []float64{2, 1, 0.71, 0.84, 0.77, 0.81, 1.2} {
		c.Probes = append(c.Probes, probe(model, sat, f*sat, phases[i]))
	}
	if model == "node" {
		c.Probes[len(c.Probes)-1].ClientBound = true
	}
	return c
}

// probe is one invented probe at rate: below saturation its latency is
// that of a queue at utilisation rate ÷ sat (p50 0.1 ms, p99 1 ms, each ÷
// (1 − utilisation)); at or above it the server completes sat req/s,
// falls behind and its latency is hundreds of ms.
func probe(model string, sat, rate float64, phase string) results.Probe {
	u := rate / sat
	p := results.Point{Workload: "plaintext", Model: model, Variant: "default", Mode: "open", Connections: 64, Pipeline: 1,
		Rate: rate, ServerCPUs: "1", ClientCPUs: "0", Duration: 1, Validity: results.Validity{Status: results.Valid}}
	held := u < 1
	if held {
		p.Throughput = rate
		p.Latency = results.Latency{Count: int64(rate), P50: 100 / (1 - u), P90: 400 / (1 - u), P99: 1000 / (1 - u), P999: 2000 / (1 - u)}
	} else {
		p.Throughput = sat * 0.98
		p.Latency = results.Latency{Count: int64(sat), P50: 150_000 * u, P90: 300_000 * u, P99: 400_000 * u, P999: 450_000 * u}
		p.Validity = results.Validity{Status: results.Partial, Reasons: []string{"did not hold its rate: it completed less than it was offered"}}
	}
	p.Requests = int64(p.Throughput)
	met := p.Latency.P99 <= 5000
	if model == "eventloop" && held && met {
		p.Energy = &results.Energy{Joules: p.Throughput * 0.00012, Zones: []string{"package-0"}}
	}
	pr := results.Probe{Phase: phase, Held: held, Met: met, Point: p}
	switch {
	case !held:
		pr.Reason = p.Validity.Reasons[0]
	case !met:
		pr.Reason = "p99 over the objective's 5ms"
	}
	return pr
}
