package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/results"
)

// TestCapacityHelp checks capacity's help against its golden file.
func TestCapacityHelp(t *testing.T) {
	_, stderr, code := runCmd("capacity", "--help")
	if code != 0 {
		t.Errorf("exit status %d; want 0", code)
	}
	golden(t, "capacity-help.golden", stderr)
}

// TestCapacityUsageErrors checks that capacity's command-line mistakes
// exit 2 naming the flag, the workload file and the fix.
func TestCapacityUsageErrors(t *testing.T) {
	w := []string{"--workloads", "../../workloads"}
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"--workload plaintext"}},                                                                                     // no workload
		{append(w, "--workload", "plaintext", "--slo", "p99"), []string{"--slo", "no '='", "p99=5ms"}},                              // a bad objective
		{append(w, "--workload", "plaintext", "--slo", "p99=5ms,p99=6ms"), []string{"--slo", "bounded twice"}},                      // one percentile twice
		{append(w, "--workload", "c10k", "--slo", "p99=5ms"), []string{"c10k", "c10k.toml", `"idle"`, "closed and open"}},           // not an open or closed loop
		{append(w, "--workload", "../../workloads/extra/file.toml"), []string{"file.toml", "no objectives", "--slo", "[capacity]"}}, // no objectives anywhere
		{append(w, "--workload", "plaintext", "--models", "eventloop/io-uring"), []string{"eventloop/io-uring", "default variant"}}, // a variant it would not search
		{append(w, "--workload", "plaintext", "--max-probes", "1"), []string{"--max-probes", "at least 2"}},
		{append(w, "--workload", "plaintext", "--resolution", "0"), []string{"--resolution"}},
		{append(w, "--workload", "plaintext", "--budget", "0s"), []string{"--budget must be positive"}},
		{append(w, "--workload", "plaintext", "--curve", "1.3,x"), []string{"--curve", `"x"`}},
		{append(w, "--workload", "plaintext", "--price-per-hour", "-1"), []string{"--price-per-hour"}},
		{append(w, "--workload", "plaintext", "--models", "nginx"), []string{"--models", `unknown model "nginx"`}},
		{append(w, "--workload", "plaintext", "extra"), []string{`unexpected argument "extra"`}},
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(append([]string{"capacity"}, tt.args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr %q", tt.args, code, stderr)
		}
		for _, want := range tt.want {
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr %q lacks %q", tt.args, stderr, want)
			}
		}
	}
}

// TestCapacityDryRun prints the searches and their longest time.
func TestCapacityDryRun(t *testing.T) {
	_, stderr, code := runCmd("capacity", "--workloads", "../../workloads", "--workload", "plaintext", "--models", "threaded,fasthttp",
		"--max-probes", "5", "--duration", "1s", "--warmup", "0s", "--dry-run")
	// 2 searches of 5 probes of 1 s and the 500 ms the plan allows each server.
	if code != 0 || !strings.Contains(stderr, "plan: 2 capacity searches") || !strings.Contains(stderr, "at most 15s") {
		t.Errorf("exit %d, stderr %q; want the plan of 2 searches, at most 15s", code, stderr)
	}
}

// TestCapacityEndToEnd runs a short search of one real model: the table
// on stdout, the progress on stderr, the search and its probes in the run.
func TestCapacityEndToEnd(t *testing.T) {
	bin := buildLoopbench(t)
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command(bin, "capacity", "--workloads", "../../workloads", "--workload", "plaintext", "--slo", "p99=50ms",
		"--models", "fasthttp", "--max-probes", "3", "--duration", "300ms", "--warmup", "0s", "--start", "500",
		"--price-per-hour", "0.5", "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("capacity: %v\nstderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{"capacity of plaintext at p99=50ms", "fasthttp", "results: "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "[capacity 1/1] plaintext fasthttp: probe 1 of about") {
		t.Errorf("stderr lacks the progress:\n%s", stderr.String())
	}
	run, err := results.Read(filepath.Join(out, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Points) != 0 || len(run.Capacity) != 1 || run.Env.PricePerHour != 0.5 || run.Finished.IsZero() {
		t.Fatalf("%d points, %d searches, price %v; want only the search and the price", len(run.Points), len(run.Capacity), run.Env.PricePerHour)
	}
	c := run.Capacity[0]
	if len(c.Probes) == 0 || len(c.Probes) > 3 || c.Probes[0].Point.Rate != 500 || c.Probes[0].Point.Mode != "open" || c.Start != 500 {
		t.Errorf("search: %d probes, the first %+v", len(c.Probes), c.Probes[0].Point)
	}
}

// storedMachineRun writes a run of host with one search of eventloop at
// c [lo, hi] req/s on plaintext and the price given (0: none), and
// returns its directory.
func storedMachineRun(t *testing.T, host string, price, c, lo, hi float64) string {
	t.Helper()
	run := &results.Run{ID: "20261201T100000Z-" + host, Env: results.Env{Host: host, ServerCPUs: "1", PricePerHour: price},
		Capacity: []results.Capacity{{Workload: "plaintext", Model: "eventloop", Variant: "default", Objectives: []string{"p99=5ms"},
			Capacity: c, Low: lo, High: hi, Probes: []results.Probe{{Phase: results.PhaseBracket, Held: true, Met: true,
				Point: results.Point{Workload: "plaintext", Model: "eventloop", Mode: "open", Rate: lo, ServerCPUs: "1"}}}}}}
	dir := filepath.Join(t.TempDir(), run.ID)
	if err := results.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCompareMachinesCapacity compares two stored runs of two hosts with
// their prices: capacity and cost per million requests side by side, with
// their ratios; prices given on the command line replace the runs'.
func TestCompareMachinesCapacity(t *testing.T) {
	a := storedMachineRun(t, "small", 0.10, 40_000, 38_000, 42_000)
	b := storedMachineRun(t, "large", 0.34, 120_000, 110_000, 128_000)
	if _, stderr, code := runCmd("compare", a, b); code != 2 || !strings.Contains(stderr, "--allow-env-change") {
		t.Errorf("two hosts without --allow-env-change: exit %d, %q", code, stderr)
	}
	stdout, stderr, code := runCmd("compare", a, b, "--allow-env-change")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"price per hour", "0.1", "0.34", "capacity, old run 20261201T100000Z-small against new run 20261201T100000Z-large",
		"40k [38k, 42k]", "120k [110k, 128k]", "3× [2.72, 3.26]", "0.000694 [0.000661, 0.000731]", "0.000787 [0.000738, 0.000859]", "1.13× [1.04, 1.25]"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, _ = runCmd("compare", a, b, "--allow-env-change", "--price-per-hour", "0.2,0.2")
	if !strings.Contains(stdout, "0.00139 [0.00132, 0.00146]") || !strings.Contains(stdout, "0.333× [0.307, 0.368]") {
		t.Errorf("with the prices given, stdout:\n%s", stdout)
	}
	if _, stderr, code := runCmd("compare", a, b, "--allow-env-change", "--price-per-hour", "0.2"); code != 2 || !strings.Contains(stderr, "OLD,NEW") {
		t.Errorf("one price: exit %d, %q", code, stderr)
	}
}
