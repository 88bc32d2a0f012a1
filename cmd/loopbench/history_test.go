package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loopbench/harness/results"
)

// writeAB stores an A/B run's sides as loopbench ab does: DIR/base and
// DIR/head, eight pairs of one model costing 10 µs of CPU a request times
// each side's level, while the host drifts from pair to pair.
func writeAB(t *testing.T, dir string, start time.Time, baseLevel, headLevel float64) {
	t.Helper()
	run := results.Run{ID: "ab-" + start.Format("150405"), Started: start, Env: results.Env{Host: "vm", CPUModel: "EPYC", Cores: 2, ServerCPUs: "1", ClientCPUs: "0", Commit: "0123abc"}}
	sides := map[string]*results.Run{}
	for _, side := range []string{"base", "head"} {
		r := run
		sides[side] = &r
	}
	for rep := range 8 {
		drift := 1 + 0.1*float64(rep%3)
		for side, r := range sides {
			cpu := 10 * drift * baseLevel
			if side == "head" {
				cpu = 10 * drift * headLevel * (1 + 0.001*float64(rep%2))
			}
			r.Points = append(r.Points, results.Point{Workload: "plaintext", Model: "eventloop", Variant: "default", Mode: "closed",
				Connections: 64, Rep: rep, Side: side, Requests: 1000, Throughput: 1e6 / cpu, CPUPerRequest: cpu,
				Latency: results.Latency{P99: 1000 * drift}, Validity: results.Validity{Status: results.Valid}})
		}
	}
	for side, r := range sides {
		if err := results.Write(filepath.Join(dir, side), r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHistoryCommand appends twenty A/B runs, the figure rising 5% at the
// twelfth, and finds the change at that commit with its paired ratio.
func TestHistoryCommand(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "history.jsonl")
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	level := func(i int) float64 {
		l := 1 + 0.003*float64(i%4) // the day's noise
		if i >= 11 {
			l *= 1.05
		}
		return l
	}
	for i := range 20 {
		dir := filepath.Join(tmp, fmt.Sprint("ab", i))
		writeAB(t, dir, t0.Add(time.Duration(i)*time.Hour), level(i-1), level(i))
		var out, errOut bytes.Buffer
		commit := fmt.Sprintf("%08d", i)
		if err := run([]string{"history", file, "--append", dir, "--commit", commit, "--base", fmt.Sprintf("%08d", i-1)}, &out, &errOut); err != nil {
			t.Fatalf("append: %v\n%s", err, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	plots := filepath.Join(tmp, "plots")
	if err := run([]string{"history", file, "--plots", plots}, &out, &errOut); err != nil {
		t.Fatalf("history: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"20 records of 20 commits", "change points by E-divisive means", "plaintext eventloop c=64 cpu (µs/req)", "after 00000010, up to 00000011", "paired against the parent: 00000011 ×1.05"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if files, _ := filepath.Glob(filepath.Join(plots, "*.png")); len(files) != 3 {
		t.Errorf("charts %v, want one per metric", files)
	}
	var md bytes.Buffer
	if err := run([]string{"history", file, "--format", "markdown"}, &md, &errOut); err != nil || !strings.Contains(md.String(), "| series | machine |") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
}

func TestHistoryErrors(t *testing.T) {
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"schema\":1}\n"), 0o644)
	plain := filepath.Join(t.TempDir(), "plain")
	writeAB(t, plain, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), 1, 1)
	plain = filepath.Join(plain, "base")
	cases := []struct {
		args []string
		want string
	}{
		{nil, "one history file"},
		{[]string{bad}, "bad.jsonl:1: field commit is empty"},
		{[]string{filepath.Join(tmp, "none.jsonl")}, "no such file"},
		{[]string{bad, "--format", "yaml"}, "--format"},
		{[]string{bad, "--commit", "x"}, "describe the run --append adds"},
		{[]string{filepath.Join(tmp, "h.jsonl"), "--append", t.TempDir()}, "no results here"},
		{[]string{filepath.Join(tmp, "h.jsonl"), "--append", plain, "--base", "x"}, "plain run"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := exitCode(run(append([]string{"history"}, c.args...), &out, &errOut), &errOut)
		if code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("history %v: exit %d, %q; want 2 and %q", c.args, code, errOut.String(), c.want)
		}
	}
	var out, errOut bytes.Buffer
	h := filepath.Join(tmp, "plain.jsonl")
	if err := run([]string{"history", h, "--append", plain, "--commit", "c1"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "appended commit c1 (3 rows") {
		t.Errorf("a plain run: %v %s%s", err, out.String(), errOut.String())
	}
}
