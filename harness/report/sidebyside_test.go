package report

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

const sideBySideGolden = "testdata/REPORT-side-by-side.golden.md"

// only keeps the points of run's workloads named.
func only(run *results.Run, workloads ...string) *results.Run {
	keep := func(name string) bool { return strings.Contains(" "+strings.Join(workloads, " ")+" ", " "+name+" ") }
	var ps []results.Point
	for _, p := range run.Points {
		if keep(p.Workload) {
			ps = append(ps, p)
		}
	}
	var ws []results.Workload
	for _, w := range run.Workloads {
		if keep(w.Name) {
			ws = append(ws, w)
		}
	}
	run.Points, run.Workloads = ps, ws
	return run
}

// remoteHosts are the machines of a run over remote hosts: the servers on
// a cloud VM, the load from the machine that ran loopbench.
func remoteHosts() []results.Host {
	sysctls := map[string]string{"net.core.somaxconn": "65535", "net.ipv4.tcp_tw_reuse": "1"}
	return []results.Host{
		{Role: "server", Name: "ubuntu@10.0.0.5", Hostname: "server-vm", Kernel: "6.8.0-1015-gcp", CPUModel: "AMD EPYC 7B13",
			Cores: 8, ThreadsPerCore: 2, NUMANodes: 1, MemoryBytes: 32 << 30, Virtualization: "KVM", Product: "Google Compute Engine",
			THP: "madvise", NIC: &results.NIC{Name: "ens4", Addr: "10.0.0.5", Driver: "gve", MTU: 1460},
			CongestionControl: "cubic", Sysctls: sysctls, ClockOffset: 0.42, ClockError: 0.15},
		{Role: "client", Name: "local", Hostname: "client-vm", Kernel: "6.8.0-1015-gcp", CPUModel: "AMD EPYC 7B13", Cores: 4, ThreadsPerCore: 2,
			NUMANodes: 1, MemoryBytes: 16 << 30, Virtualization: "KVM", Product: "Google Compute Engine", THP: "madvise",
			NIC: &results.NIC{Name: "ens4", Driver: "gve", MTU: 1460}, CongestionControl: "cubic", Sysctls: sysctls,
			Notes: []string{"ethtool is not installed: the NIC's offloads are not recorded"}},
	}
}

// twoRuns are the fixtures of the report of two runs side by side: A is the fixture run on
// one machine (plaintext and wait-sleep), B the same over two cloud VMs,
// half as fast again, without node's plaintext points.
func twoRuns() (a, b *results.Run) {
	a = only(plottest.Run(), "plaintext", "wait-sleep")
	b = only(plottest.Run(), "plaintext", "wait-sleep")
	b.ID, b.Env.Host, b.Env.Hosts = "20260105T060708Z-client-vm", "client-vm", remoteHosts()
	b.Started, b.Finished = b.Started.Add(75*time.Hour+3*time.Minute+3*time.Second), b.Finished.Add(75*time.Hour)
	b.Env.ServerCPUs, b.Env.Notes = "0-7", []string{"the servers and the backend run on ubuntu@10.0.0.5"}
	var ps []results.Point
	for _, p := range b.Points {
		if p.Workload == "plaintext" && p.Model == "node" {
			continue
		}
		p.Throughput, p.Requests, p.CPUPerRequest = 1.5*p.Throughput, p.Requests*3/2, p.CPUPerRequest/1.5
		p.ServerHost, p.ServerCPUs = "ubuntu@10.0.0.5", "0-7"
		ps = append(ps, p)
	}
	b.Points = ps
	return a, b
}

// TestGoldenSideBySide renders the report of two runs side by side and
// compares it with its golden file; -update rewrites it.
func TestGoldenSideBySide(t *testing.T) {
	a, b := twoRuns()
	aa, ab := analysis.Analyze(a), analysis.Analyze(b)
	planned, err := plot.Plan(aa)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range planned {
		names = append(names, p.Name())
	}
	var got bytes.Buffer
	err = WriteSideBySide(&got, Side{aa, Options{ImageBase: "results/" + a.ID + "/plots", Plots: names}}, Side{ab, Options{ImageBase: "results/" + b.ID + "/plots"}})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(sideBySideGolden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(sideBySideGolden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("report differs from %s (rerun with -update if the change is intended):\n%s", sideBySideGolden, diff(t, want, got.Bytes()))
	}
}

// TestSideBySideWithoutPoints names the run that has none.
func TestSideBySideWithoutPoints(t *testing.T) {
	a, _ := twoRuns()
	err := WriteSideBySide(&bytes.Buffer{}, Side{Analysis: analysis.Analyze(a)}, Side{Analysis: analysis.Analyze(&results.Run{ID: "empty"})})
	if err == nil || !strings.Contains(err.Error(), "run B (empty) has no points") {
		t.Errorf("WriteSideBySide with an empty run B = %v, want an error naming it", err)
	}
}

// TestHostsListed checks that a run over remote hosts names each host and
// the part it played in the environment section.
func TestHostsListed(t *testing.T) {
	_, b := twoRuns()
	var out bytes.Buffer
	if err := Write(&out, analysis.Analyze(b), Options{ImageBase: "plots"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# loopbench report: servers on ubuntu@10.0.0.5 (server-vm); load from local (client-vm)\n",
		"| part | host | machine |",
		"| server | ubuntu@10.0.0.5 (server-vm) | AMD EPYC 7B13, 8 CPUs (2 threads per core), 32.0 GiB, kernel 6.8.0-1015-gcp, virtualisation KVM, Google Compute Engine, NIC ens4 (gve, MTU 1460), cubic, clock +0.42 ms ± 0.15 |",
		"| load generator | local (client-vm) | AMD EPYC 7B13, 4 CPUs", // the start of the client's line
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}
