package app

import (
	"fmt"
	"time"
)

// MaxInjectCPU bounds SetInjectCPU: a calibration knob, not a workload.
const MaxInjectCPU = 10 * time.Millisecond

// injectIters is the work SetInjectCPU adds to every request, in
// iterations of spin; 0, the default, adds nothing. It is set once, before
// a model serves, so every goroutine that reads it started after the write.
var injectIters int

// spinSink keeps the compiler from removing spin's work. spin writes it
// only when its result is 0, which xorshift never gives, so goroutines that
// spin at once never race on it.
var spinSink uint64

// SetInjectCPU makes Handle and Route spend d of CPU on every request they
// route, before they answer: a known slowdown, for checking that a
// comparison catches one (`loopbench serve --inject-cpu`, which `loopbench
// ab --inject-cpu` gives the head's servers). It measures how fast this
// CPU spins and returns the iterations it chose. It must be called before
// the model serves, and never while it does. Zero turns it off.
func SetInjectCPU(d time.Duration) (int, error) {
	if d < 0 || d > MaxInjectCPU {
		return 0, fmt.Errorf("inject-cpu %v is out of range: give a duration from 0 to %v, such as 3us", d, MaxInjectCPU)
	}
	injectIters = 0
	if d == 0 {
		return 0, nil
	}
	injectIters = int(float64(d) * spinRate())
	if injectIters < 1 {
		injectIters = 1
	}
	return injectIters, nil
}

// spinRate is the iterations of spin per nanosecond on this CPU: the best
// of several timed rounds of about 5 ms, so a round the scheduler
// interrupted does not lower it.
func spinRate() float64 {
	const n = 1 << 20
	best := time.Duration(1<<63 - 1)
	for range 7 {
		start := time.Now()
		spin(n)
		if d := time.Since(start); d > 0 && d < best {
			best = d
		}
	}
	return n / float64(best)
}

// spin does n rounds of xorshift: a dependent chain of arithmetic that no
// cache miss or system call stretches, so its cost is CPU time alone.
func spin(n int) {
	x := spinSink | 1
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	if x == 0 {
		spinSink = x
	}
}

// injected spends the injected CPU of one request, if any.
func injected() {
	if injectIters != 0 {
		spin(injectIters)
	}
}
