package analysis

import (
	"image/color"
	"slices"
	"testing"

	"loopbench/harness/results"
	"loopbench/servers"
)

// TestSeriesOrder lists models in table order, those it lacks after them
// by name, and the default variant of each first.
func TestSeriesOrder(t *testing.T) {
	defer servers.AddForTest(servers.Entry{Name: "added", Style: servers.Style{Color: color.NRGBA{1, 2, 3, 0xFF}, Marker: "circle"}})()
	keys := []results.Key{{Model: "zzz"}, {Model: "added"}, {Model: "aaa"}, {Model: "node"}, {Model: "threaded", Variant: "loops-2"}, {Model: "threaded", Variant: "default"}}
	slices.SortFunc(keys, compareSeries)
	var got []string
	for _, k := range keys {
		got = append(got, k.Series())
	}
	want := []string{"threaded", "threaded loops-2", "node", "added", "aaa", "zzz"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
