package threaded

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// DefaultMaxThreads is the runtime's thread limit when the configuration
// gives none: room for 15,000 connection threads and what the runtime
// needs beside them (see capacityFor).
const DefaultMaxThreads = 20000

// Sizing of the scheduler slots (GOMAXPROCS) against live connections.
const (
	// minProcs is GOMAXPROCS with few connections.
	minProcs = 64
	// procsHeadroom is slots beyond one per connection thread, for the
	// runtime's own goroutines (accept, governor, garbage collector).
	procsHeadroom = 16
	// runtimeThreads is what the runtime needs beside connection threads
	// and garbage collector workers: sysmon, the template thread, the
	// accept thread, threads running ordinary goroutines, with slack.
	runtimeThreads = 64
)

// procsFor is the number of scheduler slots live connection threads need
// so that a thread returning from a blocking call always finds an idle
// slot at once: one per thread, a quarter more, and headroom.
func procsFor(live int) int { return live + live/4 + procsHeadroom }

// gcWorkers is how many threads the garbage collector wakes for its
// dedicated mark workers: a quarter of the scheduler slots.
func gcWorkers(procs int) int { return procs / 4 }

// capacityFor is how many connection threads fit under a thread limit,
// counting for the largest GOMAXPROCS they imply the collector's dedicated
// workers and the runtime's own threads: the largest c with
// c + gcWorkers(procsFor(c)) + runtimeThreads <= maxThreads.
func capacityFor(maxThreads int) int {
	c := (maxThreads - runtimeThreads - procsHeadroom/4) * 16 / 21
	for c > 0 && c+gcWorkers(procsFor(c))+runtimeThreads > maxThreads {
		c--
	}
	return max(c, 0)
}

// nextProcs decides GOMAXPROCS for live connection threads. It grows by at
// least a quarter and shrinks only when four times too large, because every
// change stops the world; a quarter keeps unused slots, which cost about
// 15 KB each, few, for about 25 pauses from 64 to 16,384 slots (240 ms in
// all on a 2-CPU development host, the longest 42 ms).
func nextProcs(cur, live, floor, ceiling int) int {
	need := procsFor(live)
	switch {
	case need > cur || cur < floor:
		return min(max(need, cur+cur/4, floor), ceiling)
	case 4*need <= cur:
		return max(2*need, floor)
	}
	return cur
}

// governor owns the process-wide runtime settings of a threaded server: the
// thread limit and GOMAXPROCS, which follows the number of live connection
// threads. Both are process-wide, so one threaded server runs per process.
type governor struct {
	live     atomic.Int64
	capacity int
	ceiling  int

	oldProcs, oldMaxThreads int
	kick                    chan struct{}
	done, exited            chan struct{}
}

// newGovernor raises the thread limit to maxThreads (lowered to what the
// kernel allows) and starts following the connection count.
func newGovernor(maxThreads int) *governor {
	if maxThreads <= 0 {
		maxThreads = DefaultMaxThreads
	}
	if sys := systemThreadLimit(); sys > 0 && sys < maxThreads {
		maxThreads = sys
	}
	g := &governor{capacity: capacityFor(maxThreads), kick: make(chan struct{}, 1),
		done: make(chan struct{}), exited: make(chan struct{})}
	g.ceiling = max(procsFor(g.capacity), minProcs)
	g.oldMaxThreads = debug.SetMaxThreads(max(maxThreads, threadCount()+runtimeThreads))
	g.oldProcs = runtime.GOMAXPROCS(minProcs)
	go g.run()
	return g
}

// admit counts a new connection thread, or refuses it when the thread limit
// would be at risk: Go ends the whole process when it exceeds the limit.
func (g *governor) admit() bool {
	if g.live.Add(1) > int64(g.capacity) {
		g.live.Add(-1)
		return false
	}
	g.poke()
	return true
}

// leave uncounts a connection thread that is about to exit.
func (g *governor) leave() {
	g.live.Add(-1)
	g.poke()
}

func (g *governor) poke() {
	select {
	case g.kick <- struct{}{}:
	default:
	}
}

func (g *governor) run() {
	defer close(g.exited)
	for {
		select {
		case <-g.kick:
			cur := runtime.GOMAXPROCS(0)
			if n := nextProcs(cur, int(g.live.Load()), minProcs, g.ceiling); n != cur {
				runtime.GOMAXPROCS(n)
			}
		case <-g.done:
			return
		}
	}
}

// stop restores GOMAXPROCS, and the thread limit unless the threads the
// runtime keeps (it never frees idle threads) no longer fit under it.
func (g *governor) stop() {
	close(g.done)
	<-g.exited
	runtime.GOMAXPROCS(g.oldProcs)
	if threadCount()+runtimeThreads < g.oldMaxThreads {
		debug.SetMaxThreads(g.oldMaxThreads)
	}
}

// threadCount is the number of threads the Go runtime owns.
func threadCount() int {
	s := []metrics.Sample{{Name: "/sched/threads/total:threads"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int(s[0].Value.Uint64())
}
