package compare

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// synthetic is a run of plaintext at 64 connections for models a and b,
// reps repetitions each, whose throughputs spread ±2% around base × factor
// (factor for model a only) and whose CPU per request is 1e6/throughput.
func synthetic(reps int, base, factor float64) *results.Run {
	r := &results.Run{Env: results.Env{Host: "vm", ServerCPUs: "1", ClientCPUs: "0", GoVersion: "go1.26"}}
	for _, model := range []string{"a", "b"} {
		for rep := range reps {
			t := base * (1 + 0.02*float64(rep%5-2)/2)
			if model == "a" {
				t *= factor
			}
			r.Points = append(r.Points, results.Point{Workload: "plaintext", Model: model, Variant: "default", Mode: "closed",
				Connections: 64, Rep: rep, Requests: int64(t), Throughput: t, CPUPerRequest: 1e6 / t,
				Latency: results.Latency{P99: 1000}, Validity: results.Validity{Status: results.Valid}})
		}
	}
	return r
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name        string
		old, new    *results.Run
		regressions int
		tooFew      bool
	}{
		{"identical runs", synthetic(6, 1e5, 1), synthetic(6, 1e5, 1), 0, false},
		{"a 20% throughput drop of one model", synthetic(6, 1e5, 1), synthetic(6, 1e5, 0.8), 2, false}, // throughput and CPU per request
		{"a 3% drop is within the 5% threshold", synthetic(6, 1e5, 1), synthetic(6, 1e5, 0.97), 0, false},
		{"a 20% gain is no regression", synthetic(6, 1e5, 1), synthetic(6, 1e5, 1.2), 0, false},
		{"too few repetitions decide nothing", synthetic(3, 1e5, 1), synthetic(3, 1e5, 0.8), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(analysis.Analyze(tt.old), analysis.Analyze(tt.new), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Regressions()); got != tt.regressions || res.TooFew() != tt.tooFew {
				t.Errorf("%d regressions, too few %v; want %d, %v\n%+v", got, res.TooFew(), tt.regressions, tt.tooFew, res.Regressions())
			}
		})
	}
}

func TestCompareRefusesAnotherEnvironment(t *testing.T) {
	old, cur := synthetic(6, 1e5, 1), synthetic(6, 1e5, 1)
	cur.Env.Host, cur.Env.ServerCPUs = "other", "2-3"
	_, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{})
	if !errors.Is(err, ErrEnvChanged) || !strings.Contains(err.Error(), `host "vm" against "other"`) || !strings.Contains(err.Error(), "--allow-env-change") {
		t.Errorf("err = %v, want the changes named and the flag that allows them", err)
	}
	res, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{AllowEnvChange: true})
	if err != nil || len(res.EnvChanges) != 2 {
		t.Errorf("allowed: %v, changes %q", err, res.EnvChanges)
	}
}

func TestPartialPointsLeftOut(t *testing.T) {
	old, cur := synthetic(6, 1e5, 1), synthetic(6, 1e5, 1)
	for i := range cur.Points[:3] { // a's first three repetitions
		cur.Points[i].Validity.Status = results.Partial
	}
	res, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Rows[0]; r.Key.Model != "a" || r.New.N != 3 || !r.TooFew {
		t.Errorf("row %+v: want a with 3 usable repetitions, too few to decide", r)
	}
}

// TestGoldenTables checks each format against testdata/NAME.golden (go test
// -update rewrites them).
// Two runs of one machine, described alike, print no machines.
func TestGoldenTables(t *testing.T) {
	old, cur := synthetic(6, 1e5, 1), synthetic(6, 1e5, 0.8)
	res, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := WriteMachines(&b, res, MachinesOf(old, cur), format); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", format+".golden"), b.String())
	}
	if err := Write(&bytes.Buffer{}, res, "yaml"); err == nil {
		t.Error("an unknown format gave no error")
	}
}

// golden compares got with the file at path (go test -update rewrites it).
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

// twoHosts is the new side of a comparison of machines: the servers on a
// cloud VM, the load from the machine that ran loopbench.
func twoHosts(r *results.Run) *results.Run {
	r.ID = "20261201T120000Z-laptop"
	r.Env.Host, r.Env.Kernel, r.Env.CPUModel, r.Env.Cores = "laptop", "6.18.0", "Intel Core i7-1185G7", 8
	sysctls := map[string]string{"net.core.somaxconn": "65535", "net.ipv4.tcp_tw_reuse": "1"}
	r.Env.Hosts = []results.Host{
		{Role: "server", Name: "ubuntu@10.0.0.5", Hostname: "server-vm", Kernel: "6.8.0-1015-gcp", CPUModel: "AMD EPYC 7B13",
			Cores: 8, ThreadsPerCore: 2, NUMANodes: 1, MemoryBytes: 32 << 30, Virtualization: "KVM", Product: "Google Compute Engine",
			THP: "madvise", NIC: &results.NIC{Name: "ens4", Addr: "10.0.0.5", Driver: "gve", MTU: 1460, Offloads: map[string]string{"gro": "on", "tso": "on"}},
			CongestionControl: "cubic", Sysctls: sysctls, ClockOffset: 0.42, ClockError: 0.15},
		{Role: "client", Name: "local", Hostname: "laptop", Kernel: "6.18.0", CPUModel: "Intel Core i7-1185G7", Cores: 8, ThreadsPerCore: 2,
			NUMANodes: 1, MemoryBytes: 16 << 30, Virtualization: "none", Governor: "powersave", THP: "always",
			NIC: &results.NIC{Name: "wlan0", Driver: "iwlwifi", MTU: 1500}, CongestionControl: "bbr", Sysctls: sysctls},
	}
	for i := range r.Points {
		r.Points[i].ServerHost = "ubuntu@10.0.0.5"
	}
	return r
}

// TestGoldenMachines compares a run on one machine with one over two
// hosts: the machines side by side come first, in every format.
func TestGoldenMachines(t *testing.T) {
	old, cur := synthetic(6, 1e5, 1), twoHosts(synthetic(6, 1e5, 1.1))
	old.ID = "20261130T080000Z-vm"
	old.Env.Kernel, old.Env.CPUModel, old.Env.Cores, old.Env.ThreadsPerCore, old.Env.MemoryBytes = "6.18.44", "AMD EPYC", 2, 1, 24<<30
	old.Env.Virtualization, old.Env.THP = "present (no DMI)", "madvise"
	old.Env.Sysctls = map[string]string{"net.core.somaxconn": "4096", "net.ipv4.tcp_tw_reuse": "2"}
	if _, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{}); !errors.Is(err, ErrEnvChanged) {
		t.Fatalf("Compare of two machines = %v, want it refused without AllowEnvChange", err)
	}
	res, err := Compare(analysis.Analyze(old), analysis.Analyze(cur), Options{AllowEnvChange: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := WriteMachines(&b, res, MachinesOf(old, cur), format); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "machines-"+format+".golden"), b.String())
	}
}

// TestDetectable checks the simulated detection limit: just above the
// threshold without noise, larger with more noise, undecided with too few
// repetitions.
func TestDetectable(t *testing.T) {
	quiet := []float64{100, 100.5, 99.5, 100.2, 99.8, 100.1}
	noisy := []float64{100, 110, 90, 105, 95, 120}
	cases := []struct {
		name     string
		old, new []float64
		lo, hi   float64
	}{
		{"no noise: the threshold decides", []float64{1, 1, 1, 1, 1, 1}, []float64{1, 1, 1, 1, 1, 1}, 0.05, 0.06},
		{"quiet", quiet, quiet, 0.05, 0.08},
		{"noisy", noisy, noisy, 0.12, 0.6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Detectable(c.old, c.new, 0.05, 0.05, true)
			if d < c.lo || d > c.hi {
				t.Errorf("Detectable = %.3f, want within [%g, %g]", d, c.lo, c.hi)
			}
		})
	}
	if d := Detectable([]float64{1, 2, 3}, quiet, 0.05, 0.05, false); !math.IsNaN(d) {
		t.Errorf("Detectable with 3 repetitions = %v, want NaN", d)
	}
	if n := Noise(noisy, noisy); n < 0.05 || n > 0.15 {
		t.Errorf("Noise = %.3f, want about 0.07", n)
	}
}
