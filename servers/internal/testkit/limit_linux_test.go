package testkit

import "testing"

func TestLimitFor(t *testing.T) {
	tests := []struct {
		name string
		open []int
		room int
		want int
	}{
		// No holes: the limit is the count plus the room.
		{name: "compact", open: []int{0, 1, 2, 3}, room: 2, want: 6},
		// A hole below the highest descriptor is room already.
		{name: "one hole", open: []int{0, 1, 3, 4}, room: 2, want: 6},
		// Holes wider than the room: the limit falls below open descriptors.
		{name: "wide hole", open: []int{0, 1, 2, 50, 51}, room: 2, want: 5},
		// Unsorted input is sorted first.
		{name: "unsorted", open: []int{3, 0, 2, 1}, room: 1, want: 5},
	}
	for _, tt := range tests {
		if got := limitFor(tt.open, tt.room); got != tt.want {
			t.Errorf("%s: limitFor(%v, %d) = %d, want %d", tt.name, tt.open, tt.room, got, tt.want)
		}
	}
}
