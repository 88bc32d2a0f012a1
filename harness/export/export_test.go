package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"loopbench/harness/results"
)

// run is two models at two levels, three repetitions each, one of them partial.
func run() *results.Run {
	r := &results.Run{ID: "20261201T000000Z-vm", Env: results.Env{OS: "linux", Arch: "amd64", Host: "vm", CPUModel: "Test CPU", Commit: "abc1234"}}
	for _, model := range []string{"eventloop", "gnet"} {
		for _, c := range []int{64, 1024} {
			for rep := range 3 {
				p := results.Point{Workload: "plaintext", Model: model, Variant: "default", Mode: "closed", Connections: c, Rep: rep,
					Requests: 100000, Throughput: 1e5 + float64(rep), CPUPerRequest: 8, Latency: results.Latency{P99: 1500},
					Validity: results.Validity{Status: results.Valid}}
				if model == "gnet" && c == 1024 && rep == 2 {
					p.Validity.Status = results.Partial
				}
				r.Points = append(r.Points, p)
			}
		}
	}
	return r
}

// TestGoBenchReadByBenchfmt reads the export back with x/perf's own reader,
// as benchstat does: every usable point is a result with its three units,
// and the environment is in the configuration.
func TestGoBenchReadByBenchfmt(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, run(), "gobench", false); err != nil {
		t.Fatal(err)
	}
	rd := benchfmt.NewReader(&b, "export.txt")
	results, units := 0, map[string]bool{}
	var host string
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			results++
			for _, v := range rec.Values {
				units[v.Unit] = true
			}
			host = rec.GetConfig("loopbench-host")
			if !strings.HasPrefix(string(rec.Name), "Plaintext/model=") {
				t.Errorf("name %q", rec.Name)
			}
		case *benchfmt.SyntaxError:
			t.Errorf("syntax error: %v", rec)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if results != 11 || len(units) != 3 || host != "vm" {
		t.Errorf("%d results with units %v, host %q; want 11 (the partial point left out), 3 units, vm", results, units, host)
	}
}

func TestJSONFormats(t *testing.T) {
	for _, tc := range []struct {
		format  string
		smaller bool
		entries int
	}{
		{"github-action-benchmark", false, 4}, // req/s of 4 configurations
		{"github-action-benchmark", true, 8},  // CPU and p99 of 4
		{"bmf", false, 4},                     // 4 benchmarks, 3 measures each
	} {
		var b bytes.Buffer
		if err := Write(&b, run(), tc.format, tc.smaller); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v\n%s", tc.format, err, b.String())
		}
		n := 0
		switch x := v.(type) {
		case []any:
			n = len(x)
		case map[string]any:
			n = len(x)
		}
		if n != tc.entries {
			t.Errorf("%s (smaller %v): %d entries, want %d\n%s", tc.format, tc.smaller, n, tc.entries, b.String())
		}
	}
	if err := Write(&bytes.Buffer{}, run(), "csv", false); err == nil {
		t.Error("an unknown format gave no error")
	}
}
