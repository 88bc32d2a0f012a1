package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/results"
)

// writeRun stores a run of plaintext at 64 connections, six repetitions of
// one model at about tput req/s, in a directory of its own.
func writeRun(t *testing.T, host string, tput float64) string {
	t.Helper()
	run := &results.Run{ID: "r", Env: results.Env{Host: host, ServerCPUs: "1", ClientCPUs: "0"}}
	for rep := range 6 {
		v := tput * (1 + 0.01*float64(rep%3-1))
		run.Points = append(run.Points, results.Point{Workload: "plaintext", Model: "eventloop", Variant: "default", Mode: "closed",
			Connections: 64, Rep: rep, Requests: int64(v), Throughput: v, CPUPerRequest: 1e6 / v, Validity: results.Validity{Status: results.Valid}})
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := results.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCompareExitCodes(t *testing.T) {
	base := writeRun(t, "vm", 1e5)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout and stderr
	}{
		{"same figures", []string{base, writeRun(t, "vm", 1e5)}, 0, "0 regressions"},
		{"two runs: a warning that they compare days", []string{base, writeRun(t, "vm", 1e5)}, 0, "not the two sides of one A/B run, so this compares days as much as code"},
		{"two runs, unpaired anyway", []string{base, writeRun(t, "vm", 1e5), "--unpaired", "--format", "markdown"}, 0, "| unpaired |"},
		{"a 20% drop", []string{base, writeRun(t, "vm", 8e4)}, 1, "plaintext eventloop throughput at c=64 -20.0%"},
		{"another host", []string{base, writeRun(t, "other", 1e5)}, 2, "--allow-env-change"},
		{"another host, allowed", []string{base, writeRun(t, "other", 1e5), "--allow-env-change"}, 0, "the environments differ"},
		{"another host: the machines first", []string{base, writeRun(t, "other", 1e5), "--allow-env-change"}, 0, "machine  old: server and load generator  new: server and load generator\nhost     vm"},
		{"markdown", []string{base, writeRun(t, "vm", 1e5), "--format", "markdown"}, 0, "| workload | series |"},
		{"one directory", []string{base}, 2, "two results directories"},
		{"bad threshold", []string{base, base, "--threshold", "five"}, 2, "--threshold"},
		{"unknown metric", []string{base, base, "--metric", "speed"}, 2, "throughput"},
		{"not a run", []string{base, t.TempDir()}, 2, "no results here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := exitCode(run(append([]string{"compare"}, tt.args...), &out, &errOut), &errOut)
			if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.want) {
				t.Errorf("exit %d, want %d with %q in:\n%s%s", code, tt.code, tt.want, out.String(), errOut.String())
			}
		})
	}
}
