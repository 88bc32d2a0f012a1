package results

import (
	"strings"
	"testing"
)

func TestLookupMetric(t *testing.T) {
	p := &Point{Requests: 1000, CPUPerRequest: 12, Server: Usage{CPUUser: 0.002, CPUSys: 0.01}}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"cpu", 12},
		{"user", 2}, // 2 ms over 1,000 requests
		{"sys", 10},
	} {
		m, err := LookupMetric(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Value(p); got != tc.want {
			t.Errorf("%s: %g, want %g", tc.name, got, tc.want)
		}
	}
	if _, err := LookupMetric("nope"); err == nil || !strings.Contains(err.Error(), "user, sys") {
		t.Errorf("unknown metric: %v", err)
	}
	if len(Metrics) != 3 {
		t.Errorf("the compared metrics grew to %d: the part metrics are named on request only", len(Metrics))
	}
	if m, _ := LookupMetric("user"); m.Value(&Point{}) != 0 {
		t.Error("no requests: want 0")
	}
}
