package eventloop

// timer is a handle in a loop's timer heap. The loop's time is nanoseconds
// on the monotonic clock since the loop started.
type timer struct {
	when int64  // loop time at which the timer is due
	seq  uint64 // start order: timers due at the same time fire in the order they were started
	pos  int    // 1 + position in the heap; 0 while not scheduled, so the zero timer is inactive
	cb   timerCallback
}

// timerCallback is what a timer runs when it fires, on the loop thread.
type timerCallback interface {
	onTimer(t *timer, now int64)
}

// active reports whether the timer is scheduled.
func (t *timer) active() bool { return t.pos > 0 }

// timerHeap is a binary min-heap of timers ordered by (when, seq), like
// libuv's timer heap. Start, stop and pop cost O(log n); stopping a timer
// removes it at once, so a cancelled /sleep costs nothing later.
type timerHeap struct {
	items []*timer
	seq   uint64
}

// start schedules t at when, rescheduling it if it is already active.
func (h *timerHeap) start(t *timer, when int64) {
	h.stop(t)
	t.when, t.seq = when, h.seq
	h.seq++
	t.pos = len(h.items) + 1
	h.items = append(h.items, t)
	h.up(t.pos - 1)
}

// stop removes t from the heap; stopping an inactive timer does nothing.
func (h *timerHeap) stop(t *timer) {
	i := t.pos - 1
	if i < 0 || i >= len(h.items) || h.items[i] != t {
		t.pos = 0
		return
	}
	last := len(h.items) - 1
	h.swap(i, last)
	h.items[last] = nil
	h.items = h.items[:last]
	t.pos = 0
	if i < last {
		h.down(i)
		h.up(i)
	}
}

// peek returns the earliest timer, or nil.
func (h *timerHeap) peek() *timer {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// runDue fires every timer due at now that was started before this call.
// Timers a callback starts wait for the next iteration, as in libuv, so a
// callback restarting its own timer cannot keep the loop in this phase.
func (h *timerHeap) runDue(now int64) int {
	limit, n := h.seq, 0
	for t := h.peek(); t != nil && t.when <= now && t.seq < limit; t = h.peek() {
		h.stop(t)
		t.cb.onTimer(t, now)
		n++
	}
	return n
}

func (h *timerHeap) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

func (h *timerHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].pos = i + 1
	h.items[j].pos = j + 1
}

func (h *timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *timerHeap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.swap(i, m)
		i = m
	}
}
