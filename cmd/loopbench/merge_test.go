package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"loopbench/harness/loadgen"
	"loopbench/harness/results"
	"loopbench/harness/runner"
	"loopbench/harness/workload"
)

// writeLoadOutput writes a generator's output as `load --json` would, with
// n answers of latency us µs over one second from start.
func writeLoadOutput(t *testing.T, dir, name string, start time.Time, n int, us int64) string {
	t.Helper()
	h := results.NewHistogram()
	for range n {
		h.RecordValue(us)
	}
	l, err := results.Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	out := loadgen.Output{Generator: results.Generator{Host: name, Share: "1/2", WindowStart: start, WindowEnd: start.Add(time.Second)},
		Point: results.Point{Mode: "closed", Pipeline: 1, Connections: 1, Requests: int64(n), Throughput: float64(n),
			Latency: l, Routes: []results.RouteStats{{Route: "/plaintext", Requests: int64(n), Latency: l}}}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMerge(t *testing.T) {
	dir, t0 := t.TempDir(), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := writeLoadOutput(t, dir, "a", t0, 1000, 1000)
	b := writeLoadOutput(t, dir, "b", t0.Add(10*time.Millisecond), 500, 2000) // one connection each, as Little's law wants
	late := writeLoadOutput(t, dir, "late", t0.Add(2*time.Second), 10, 500)

	stdout, stderr, code := runCmd("merge", a, b)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"merged      2 load generators, 2 connections", "1500 correct (1500 req/s)", "p50 1.00ms  p90 2.00ms"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("merge output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "partial") {
		t.Errorf("windows 99%% overlapping judged partial:\n%s", stdout)
	}

	stdout, stderr, code = runCmd("merge", "--json", a, late)
	if code != 0 {
		t.Fatalf("merge --json: exit %d: %s", code, stderr)
	}
	var got loadgen.Output
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Point.Requests != 1010 || got.Point.Validity.Status != results.Partial || !strings.Contains(strings.Join(got.Point.Validity.Reasons, ";"), "did not load the server together") {
		t.Errorf("non-overlapping windows: requests %d, validity %+v; want 1010 and partial", got.Point.Requests, got.Point.Validity)
	}

	if _, stderr, code := runCmd("merge", filepath.Join(dir, "missing.json")); code != 1 || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
	if _, _, code := runCmd("merge"); code != 2 {
		t.Errorf("no files: exit %d, want 2", code)
	}
}

func TestShareFlags(t *testing.T) {
	tests := []struct {
		share       string
		connections int
		rate        float64
		want        int // this share's connections
		wantRate    float64
		wantErr     bool
	}{
		{"1/2", 64, 0, 32, 0, false},
		{"1/3", 64, 0, 22, 0, false}, // the first shares take the remainder
		{"3/3", 64, 0, 21, 0, false},
		{"2/2", 8, 1000, 4, 500, false}, // an open loop's rate splits too
		{"1/4", 2, 0, 1, 0, false},
		{"4/4", 2, 0, 0, 0, true}, // nothing left for this generator
		{"0/2", 64, 0, 0, 0, true},
		{"3/2", 64, 0, 0, 0, true},
		{"x", 64, 0, 0, 0, true},
	}
	for _, tt := range tests {
		args := []string{"--share", tt.share, "--connections", strconv.Itoa(tt.connections)}
		if tt.rate > 0 {
			args = append(args, "--rate", "1000")
		}
		f, err := parseLoadFlags(args, &strings.Builder{})
		if (err != nil) != tt.wantErr {
			t.Errorf("--share %s of %d: %v, want error %v", tt.share, tt.connections, err, tt.wantErr)
			continue
		}
		if err == nil && (f.cfg.Connections != tt.want || f.cfg.Rate != tt.wantRate) {
			t.Errorf("--share %s of %d: %d connections at rate %g, want %d at %g", tt.share, tt.connections, f.cfg.Connections, f.cfg.Rate, tt.want, tt.wantRate)
		}
	}
	if _, err := parseLoadFlags([]string{"--start-at", "tomorrow"}, &strings.Builder{}); err == nil {
		t.Error("--start-at tomorrow accepted")
	}
}

// TestLoadArgs checks that the flags a remote generator is given (before
// --share splits them) configure `loopbench load` exactly as the runner
// configures its own generator, for every level of every workload.
func TestLoadArgs(t *testing.T) {
	ws, err := workload.LoadAll("../../workloads")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Mode == workload.ModeReplay {
			continue // not split between generators
		}
		for _, l := range w.Levels() {
			req := runner.LoadRequest{Addr: "10.0.0.5:8080", Workload: w, Level: l, Seed: 3}
			want := runner.LoadgenConfig(req)
			f, err := parseLoadFlags(want.Args(), &strings.Builder{})
			if err != nil {
				t.Fatalf("%s %v: %v", w.Name, l, err)
			}
			got := f.cfg
			if want.Pipeline == 0 {
				want.Pipeline = 1
			}
			if fmt.Sprint(got.Mix) != fmt.Sprint(want.Mix) || got.Mode != want.Mode || got.Connections != want.Connections ||
				got.Pipeline != want.Pipeline || got.Rate != want.Rate || got.IdleConnections != want.IdleConnections ||
				got.ConnectRate != want.ConnectRate || got.Warmup != want.Warmup || got.Duration != want.Duration ||
				got.Timeout != want.Timeout || got.Seed != want.Seed || got.Addr != want.Addr {
				t.Errorf("%s %v:\n got %+v\nwant %+v", w.Name, l, got, want)
			}
		}
	}
}
