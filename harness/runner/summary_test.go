package runner

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// summaryRun is a small fixed run: repetitions with spread, seven of one
// configuration (six usable, enough for a 95% interval, and a partial one),
// a client-bound point, a failed configuration, a mixed workload with two
// routes and an idle level that held fewer connections than asked.
func summaryRun() *results.Run {
	pt := func(workload, model, variant string, conns int, tput, p50, p99 float64) results.Point {
		return results.Point{
			Workload: workload, Model: model, Variant: variant, Mode: "closed", Connections: conns, Pipeline: 1,
			Duration: 4, Requests: int64(tput * 4), Throughput: tput,
			Latency: results.Latency{P50: p50, P99: p99},
			Server:  results.Usage{PeakRSS: 20 << 20, Threads: 8}, CPUPerRequest: 9.5,
		}
	}
	bound := pt("plaintext", "gnet", "default", 64, 130000, 450, 1200)
	bound.ClientBound = true
	failed := pt("plaintext", "node", "default", 64, 0, 0, 0)
	failed.Failed, failed.FailReason = true, "server node exit status 1 before answering"
	mixed := pt("mixed", "eventloop", "cpu-offload", 256, 1000, 150, 30000)
	mixed.Mode, mixed.Rate = "open", 1000
	mixed.Routes = []results.RouteStats{
		{Route: "/plaintext", Requests: 3800, Latency: results.Latency{P50: 140, P99: 9000}},
		{Route: "/cpu?iter=50000", Requests: 200, Latency: results.Latency{P50: 11000, P99: 40000}},
	}
	idle := pt("c10k", "threaded", "default", 4, 200, 300, 5000)
	idle.Mode, idle.Rate, idle.IdleConnections, idle.IdleHeld = "idle", 200, 10000, 9000
	idle.Errors = map[string]int64{"connect": 1000}
	second := pt("plaintext", "eventloop", "default", 64, 120000, 520, 1700)
	second.Rep = 1
	points := []results.Point{pt("plaintext", "eventloop", "default", 64, 100000, 500, 1500), second, bound, failed}
	for rep, tput := range []float64{125000, 128000, 121000, 131000, 126000, 124000, 40000} {
		p := pt("plaintext", "fasthttp", "default", 64, tput, 480, 1400)
		p.Rep, p.CPUPerRequest = rep, 7+0.1*float64(rep)
		if rep == 6 {
			p.Validity = results.Validity{Status: results.Partial, Reasons: []string{"12 of 64 connections never completed a request"}}
		}
		points = append(points, p)
	}
	return &results.Run{Points: append(points, mixed, idle)}
}

func TestSummaryGolden(t *testing.T) {
	var b bytes.Buffer
	Summary(&b, analysis.Analyze(summaryRun()))
	for i := range summaryRun().Points {
		p := summaryRun().Points[i]
		b.WriteString(PointLine(&p) + "\n")
	}
	path := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("summary differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, b.Bytes(), want)
	}
}
