package machines

import (
	"slices"
	"testing"

	"loopbench/harness/results"
)

// TestOneMachine describes a run on one machine by its Env, and sets two
// such machines side by side, naming only the fields that differ.
func TestOneMachine(t *testing.T) {
	a := results.Env{Host: "vm", Kernel: "6.8", CPUModel: "EPYC", Cores: 2, Virtualization: "KVM"}
	b := a
	b.Kernel, b.Virtualization, b.Host = "6.9", "", "other"
	ms := Of(a)
	if len(ms) != 1 || ms[0].Role != OneMachine || ms[0].Virtualization != "KVM" || Server(a).Hostname != "vm" {
		t.Fatalf("machines of a run on one machine: %+v", ms)
	}
	// The host's name is no difference, nor a field one of them lacks.
	if d := Differences(Server(a), Server(b)); !slices.Equal(d, []string{"kernel"}) {
		t.Errorf("differences %q, want [kernel]", d)
	}
	if got, want := Placement(a), "servers and load generator on vm"; got != want {
		t.Errorf("placement %q, want %q", got, want)
	}
}
