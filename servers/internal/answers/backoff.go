package answers

import "time"

// Backoff wakes a queue's loop again after growing intervals, for a loop
// that must look at its connection again but will not hear when: gnet does
// not say when its outbound buffer has drained, evio not when it has
// written what a Wake would overwrite. Growing intervals make a client that
// has stopped reading cost the loop little. The wake-ups go through the
// queue, so none comes after its Close.
//
// A Backoff belongs to the loop's goroutine. Set the fields before the
// first Later and leave them.
type Backoff struct {
	Queue *Queue
	// First is the first interval; each one after is twice as long, up
	// to Max.
	First, Max time.Duration
	// AtOnce makes the first wake-up after a Reset come at once, from
	// Later itself, before the intervals begin.
	AtOnce bool

	woken bool          // AtOnce's wake-up has come since the last Reset
	wait  time.Duration // the last interval; 0 since the last Reset
	timer *time.Timer
}

// Later has the loop woken after the next interval.
func (b *Backoff) Later() {
	if b.AtOnce && !b.woken {
		b.woken = true
		b.Queue.wake()
		return
	}
	b.wait = min(max(2*b.wait, b.First), b.Max)
	if b.timer == nil {
		b.timer = time.AfterFunc(b.wait, b.Queue.wake)
		return
	}
	b.timer.Reset(b.wait)
}

// Reset starts the intervals again from the beginning: the loop has made
// progress.
func (b *Backoff) Reset() { b.woken, b.wait = false, 0 }

// Stop cancels the wake-up to come, if any.
func (b *Backoff) Stop() {
	if b.timer != nil {
		b.timer.Stop()
	}
}
