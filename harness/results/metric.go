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

// LookupMetric finds a metric by name; the error lists the names.
func LookupMetric(name string) (Metric, error) {
	names := make([]string, 0, len(Metrics))
	for _, m := range Metrics {
		if m.Name == name {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return Metric{}, fmt.Errorf("unknown metric %q; choose one of %s", name, strings.Join(names, ", "))
}
