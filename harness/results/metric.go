package results

import (
	"fmt"
	"strings"
)

// Metric is a figure of a point that the statistics compare, with which way
// is better.
type Metric struct {
	Name, Unit   string
	HigherBetter bool
	// ClientLimited marks a figure that a client-bound point does not
	// measure (its throughput is the client's limit, not the server's).
	ClientLimited bool
	Value         func(*Point) float64
}

// Metrics are the figures `loopbench pairs`, `compare` and `export` read.
var Metrics = []Metric{
	{Name: "throughput", Unit: "req/s", HigherBetter: true, ClientLimited: true, Value: func(p *Point) float64 { return p.Throughput }},
	{Name: "cpu", Unit: "µs/req", Value: func(p *Point) float64 { return p.CPUPerRequest }},
	{Name: "p99", Unit: "ms", Value: func(p *Point) float64 { return p.Latency.P99 / 1000 }},
}

// PartMetrics split cpu into the server's time in its own code (user) and
// in the kernel on its behalf (sys), per request: what a change of I/O
// backend can move and what it cannot. They are named on request
// (`loopbench pairs --metric sys`), never compared by default.
var PartMetrics = []Metric{
	{Name: "user", Unit: "µs/req", Value: func(p *Point) float64 { return perRequest(p.Server.CPUUser, p) }},
	{Name: "sys", Unit: "µs/req", Value: func(p *Point) float64 { return perRequest(p.Server.CPUSys, p) }},
}

func perRequest(seconds float64, p *Point) float64 {
	if p.Requests == 0 {
		return 0
	}
	return seconds * 1e6 / float64(p.Requests)
}

// LookupMetric finds a metric by name, among Metrics and PartMetrics; the
// error lists the names.
func LookupMetric(name string) (Metric, error) {
	names := make([]string, 0, len(Metrics)+len(PartMetrics))
	for _, m := range append(Metrics[:len(Metrics):len(Metrics)], PartMetrics...) {
		if m.Name == name {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return Metric{}, fmt.Errorf("unknown metric %q; choose one of %s", name, strings.Join(names, ", "))
}
