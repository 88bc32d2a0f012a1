package eventloop

import (
	"slices"
	"testing"
)

// firing records the order in which timers fire.
type firing struct {
	id    int
	fired *[]int
}

func (f *firing) onTimer(_ *timer, _ int64) { *f.fired = append(*f.fired, f.id) }

func TestTimerHeap(t *testing.T) {
	tests := []struct {
		name   string
		when   []int64 // deadline of timer i
		cancel []int   // timers stopped before running
		now    int64
		want   []int // ids fired, in order
	}{
		// Timers fire in deadline order, whatever order they were started in.
		{name: "order", when: []int64{30, 10, 20, 5}, now: 100, want: []int{3, 1, 2, 0}},
		// Only due timers fire.
		{name: "not due", when: []int64{30, 10, 20}, now: 20, want: []int{1, 2}},
		// A stopped timer never fires, wherever it sits in the heap.
		{name: "cancel", when: []int64{30, 10, 20, 5, 40}, cancel: []int{3, 2}, now: 100, want: []int{1, 0, 4}},
		// Equal deadlines fire in the order the timers were started, as in libuv.
		{name: "equal deadlines", when: []int64{7, 7, 3, 7, 7}, now: 7, want: []int{2, 0, 1, 3, 4}},
		// Cancelling every timer leaves nothing to fire.
		{name: "cancel all", when: []int64{1, 2}, cancel: []int{0, 1}, now: 100, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h timerHeap
			var fired []int
			timers := make([]timer, len(tt.when))
			for i, w := range tt.when {
				timers[i].cb = &firing{id: i, fired: &fired}
				h.start(&timers[i], w)
			}
			for _, i := range tt.cancel {
				h.stop(&timers[i])
				if timers[i].active() {
					t.Errorf("timer %d active after stop", i)
				}
			}
			h.runDue(tt.now)
			if !slices.Equal(fired, tt.want) {
				t.Errorf("fired %v, want %v", fired, tt.want)
			}
		})
	}
}

// restarter restarts its own timer at the same deadline when it fires.
type restarter struct {
	h     *timerHeap
	count int
}

func (r *restarter) onTimer(t *timer, now int64) {
	r.count++
	r.h.start(t, now)
}

func TestTimerRestartedInCallbackWaitsForNextIteration(t *testing.T) {
	var h timerHeap
	r := &restarter{h: &h}
	tm := timer{cb: r}
	h.start(&tm, 0)
	if n := h.runDue(10); n != 1 || r.count != 1 {
		t.Fatalf("first run fired %d (count %d), want 1", n, r.count)
	}
	if !tm.active() {
		t.Fatal("restarted timer is not active")
	}
	if n := h.runDue(10); n != 1 {
		t.Fatalf("second run fired %d, want 1", n)
	}
}

func TestTimerRestartMovesIt(t *testing.T) {
	var h timerHeap
	var fired []int
	a, b := timer{cb: &firing{0, &fired}}, timer{cb: &firing{1, &fired}}
	h.start(&a, 5)
	h.start(&b, 10)
	h.start(&a, 20) // rescheduling an active timer moves it, not duplicates it
	h.runDue(100)
	if !slices.Equal(fired, []int{1, 0}) {
		t.Errorf("fired %v, want [1 0]", fired)
	}
}
