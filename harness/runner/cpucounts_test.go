package runner

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// TestRunOnCPUCounts runs a workload that sweeps the server's CPU counts:
// each point's server runs on exactly the CPUs its count gives it (as the
// server itself sees them), the point records the set and the count, and
// the points of the two counts are two configurations.
func TestRunOnCPUCounts(t *testing.T) {
	all, err := proc.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Skipf("this process may run on CPUs %s only; the test needs two", all)
	}
	cfg := testConfig(t, testWorkload(t, "[server]\ncpu_counts = [1, 2]\ncpus = \"all\"\n"), modelGood)
	cfg.Reps, cfg.ServerCPUs, cfg.ClientCPUs = 1, proc.CPUSet{all[len(all)-1]}.String(), proc.CPUSet{all[0]}.String()
	dir := t.TempDir()
	t.Setenv(cpusEnv, dir)
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var levels []string
	for _, s := range r.Plan().Steps {
		levels = append(levels, s.Level.String())
	}
	slices.Sort(levels)
	if !slices.Equal(levels, []string{"c=2 cpus=1", "c=2 cpus=2"}) {
		t.Fatalf("plan levels %q, want c=2 at 1 and 2 CPUs", levels)
	}
	run, _, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: cfg.ServerCPUs, 2: proc.CPUSet{all[0], all[len(all)-1]}.String()}
	var seen []string
	for _, p := range run.Points {
		if p.Failed || p.ServerCPUs != want[p.ServerCPUCount] {
			t.Errorf("point at %d CPUs: failed %v (%s), server CPUs %q, want %q", p.ServerCPUCount, p.Failed, p.FailReason, p.ServerCPUs, want[p.ServerCPUCount])
		}
		seen = append(seen, p.ServerCPUs)
	}
	if gs := results.Groups(run.Points); len(gs) != 2 || gs[0].Key.CPUs == gs[1].Key.CPUs {
		t.Errorf("%d groups, want one per count", len(gs))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var ran []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		ran = append(ran, string(b))
	}
	slices.Sort(ran)
	slices.Sort(seen)
	if !slices.Equal(ran, seen) {
		t.Errorf("the servers ran on CPUs %q; the points say %q", ran, seen)
	}
	if notes := strings.Join(run.Env.Notes, "\n"); !strings.Contains(notes, "gives the server 1 CPU ("+want[1]+")") {
		t.Errorf("notes do not say which CPUs each count gave:\n%s", notes)
	}
}

// TestNewRefusesCPUCounts wants counts the host cannot give refused before
// anything runs, naming the workload's field.
func TestNewRefusesCPUCounts(t *testing.T) {
	all, err := proc.Allowed()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		server string
		want   string
	}{
		// More CPUs than this process may use.
		{"cpu_counts = [1, 1024]\ncpus = \"all\"\n", "up to"},
		// Beyond the server's one CPU, without leave to share the client's.
		{"cpu_counts = [1, 2]\n", `cpus = "all"`},
	}
	for _, tt := range tests {
		if strings.Contains(tt.server, "[1, 2]") && len(all) < 2 || len(all) >= 1024 {
			continue
		}
		cfg := testConfig(t, testWorkload(t, "[server]\n"+tt.server), modelGood)
		cfg.ServerCPUs = proc.CPUSet{all[len(all)-1]}.String()
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), `field "server.cpu_counts"`) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one naming server.cpu_counts and %q", tt.server, err, tt.want)
		}
	}
}

// TestRemoteCPUCounts wants a remote server's k CPUs to be the first k of
// --server-cpus, or CPUs 0 to k-1 of the host as it describes itself, and
// counts beyond them refused, naming the field.
func TestRemoteCPUCounts(t *testing.T) {
	tests := []struct {
		serverCPUs string // --server-cpus
		cores      int    // what the host's description says (0: nothing)
		counts     string
		want       string // the CPUs of counts 1 and 2, or the error's words
	}{
		{"", 4, "[1, 2]", "0 0-1"},         // the described host's first CPUs
		{"2-5", 0, "[1, 2]", "2 2-3"},      // the first of --server-cpus
		{"", 2, "[1, 4]", "up to 2"},       // more than the host has
		{"", 0, "[1, 2]", "--server-cpus"}, // a host that could not be counted
	}
	for _, tt := range tests {
		w := testWorkload(t, "[server]\ncpu_counts = "+tt.counts+"\n")
		r := &Runner{cfg: Config{ServerCPUs: tt.serverCPUs, Workloads: []*workload.Workload{w}},
			run: &results.Run{Env: results.Env{Hosts: []results.Host{{Role: "server", Cores: tt.cores}}}}}
		h := &remoteHost{r: r, cfg: &RemoteConfig{ServerHost: "h"}}
		err := h.checkCPUCounts()
		if err != nil {
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%+v: error %v, want %q", tt, err, tt.want)
			}
			continue
		}
		if got := h.serverCPUs(1) + " " + h.serverCPUs(2); got != tt.want {
			t.Errorf("%+v: CPUs %q, want %q", tt, got, tt.want)
		}
		if got := h.serverCPUs(0); got != cmp.Or(tt.serverCPUs, "all") {
			t.Errorf("%+v: a level without a count on %q, want the run's server CPUs", tt, got)
		}
	}
}
