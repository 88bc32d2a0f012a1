package answers

import (
	"fmt"
	"testing"
	"time"
)

// TestBackoffIntervals checks the intervals Later waits: from First,
// doubling up to Max, at once first with AtOnce, from the start again after
// Reset. The intervals are hours, so no timer fires during the test.
func TestBackoffIntervals(t *testing.T) {
	const h = time.Hour
	tests := []struct {
		name   string
		atOnce bool
		calls  string // "L" for Later, "R" for Reset
		waits  []time.Duration
		wakes  int32 // the wake-ups that came at once
	}{
		// gnet's backoff: 2 ms, 4 ms, ... up to 100 ms, in hours here.
		{"doubling to the bound", false, "LLLLL", []time.Duration{2 * h, 4 * h, 8 * h, 10 * h, 10 * h}, 0},
		// evio's: the next loop pass first, then the intervals.
		{"at once first", true, "LLLL", []time.Duration{0, 2 * h, 4 * h, 8 * h}, 1},
		// Progress restarts the intervals, and the wake-up at once.
		{"reset", true, "LLRLL", []time.Duration{0, 2 * h, 0, 0, 2 * h}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loop := newFakeLoop()
			var q Queue
			q.Init(1, loop)
			b := Backoff{Queue: &q, First: 2 * h, Max: 10 * h, AtOnce: tt.atOnce}
			defer b.Stop()
			var waits []time.Duration
			for _, c := range tt.calls {
				if c == 'R' {
					b.Reset()
				} else {
					b.Later()
				}
				waits = append(waits, b.wait)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tt.waits) || loop.wakes.Load() != tt.wakes {
				t.Errorf("%s: waited %v with %d wake-ups at once, want %v with %d",
					tt.calls, waits, loop.wakes.Load(), tt.waits, tt.wakes)
			}
		})
	}
}

// TestBackoffWakes checks that the timer wakes the loop, and that once the
// queue has closed it does not.
func TestBackoffWakes(t *testing.T) {
	for _, closed := range []bool{false, true} {
		t.Run(fmt.Sprintf("closed=%v", closed), func(t *testing.T) {
			loop := newFakeLoop()
			var q Queue
			q.Init(1, loop)
			b := Backoff{Queue: &q, First: time.Millisecond, Max: time.Millisecond}
			defer b.Stop()
			if closed {
				q.Close()
			}
			b.Later()
			select {
			case <-loop.woke:
				if closed {
					t.Error("the timer woke the loop of a closed queue")
				}
			case <-time.After(200 * time.Millisecond):
				if !closed {
					t.Error("the timer did not wake the loop within 200 ms of a 1 ms interval")
				}
			}
		})
	}
}
