package results

import "testing"

// TestCPUCount reads Linux CPU lists, as taskset, /sys and the points
// write them.
func TestCPUCount(t *testing.T) {
	tests := []struct {
		list string
		want int
	}{
		{"1", 1},           // one CPU
		{"0-1", 2},         // a range
		{"0,2-3", 3},       // a list of ranges
		{"0-3,8,10-11", 7}, // ranges and singles
		{"", 0},            // unknown, or unreadable
		{"3-1", 0},         // backwards: unreadable
		{"cpu0", 0},        // not a list
		{"x", 0},
		{" 0-3 ", 4},   // surrounding space
		{"0-1,4", 3},   // range then single
		{"0-1,x", 0},   // a bad part spoils the list
		{"7", 1},       // any single CPU
		{"0-63", 64},   // a big host
		{"2-2", 1},     // a one-CPU range
		{"0,1,2,3", 4}, // singles
	}
	for _, tt := range tests {
		if got := CPUCount(tt.list); got != tt.want {
			t.Errorf("CPUCount(%q) = %d, want %d", tt.list, got, tt.want)
		}
	}
}
