package analysis

import (
	"slices"
	"testing"

	"loopbench/harness/results"
)

// TestSeriesOrder lists models in the order of the run's model table,
// those it lacks after them by name, and the default variant of each first.
func TestSeriesOrder(t *testing.T) {
	table := []results.Model{{Name: "threaded"}, {Name: "node"}, {Name: "added"}}
	keys := []results.Key{{Model: "zzz"}, {Model: "added"}, {Model: "aaa"}, {Model: "node"}, {Model: "threaded", Variant: "loops-2"}, {Model: "threaded", Variant: "default"}}
	slices.SortFunc(keys, seriesOrder(table))
	var got []string
	for _, k := range keys {
		got = append(got, k.Series())
	}
	want := []string{"threaded", "threaded loops-2", "node", "added", "aaa", "zzz"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

// TestRecordedTable reads the cast and the order from the model table the
// run recorded, not from the table of runs that recorded none: a run whose
// table makes node its thread-per-connection baseline is judged so.
func TestRecordedTable(t *testing.T) {
	run := &results.Run{Points: []results.Point{{Workload: "w", Model: "threaded"}, {Workload: "w", Model: "node"}}}
	before := Analyze(run)
	run.Models = []results.Model{{Name: "node", Roles: []string{results.RoleThreadPerConn}},
		{Name: "threaded", Roles: []string{results.RoleEventLoop, results.RoleHomemade}}}
	after := Analyze(run)
	if before.Threads != "threaded" || after.Threads != "node" || after.Design != "threaded (the homemade libuv)" {
		t.Errorf("threads %q then %q, design %q: want threaded, then node against threaded (the homemade libuv)", before.Threads, after.Threads, after.Design)
	}
	if s := after.Workloads[0].Series(); len(s) != 2 || s[0].Model != "node" {
		t.Errorf("series %v, want node first, as the run's table lists it", s)
	}
}
