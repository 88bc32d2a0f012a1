// Package sample reads what the kernel knows of a process from /proc: its
// memory (RSS and peak RSS), threads, CPU time, context switches and open
// file descriptors, added up over the processes it started, if any. A Sampler reads a server every 100 ms while a point is
// measured and keeps the series and the maxima for the results.
package sample

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/harness/results"
)

// Stat is one reading of a process.
type Stat struct {
	RSS     int64 // resident set size, bytes (VmRSS)
	PeakRSS int64 // the most RSS the process ever had, bytes (VmHWM)
	Threads int
	// User and Sys are the CPU time the process has used so far.
	User, Sys time.Duration
	// VolCtxSw and InvolCtxSw count context switches over every thread:
	// waits the process chose, and preemptions it did not.
	VolCtxSw, InvolCtxSw int64
	FDs                  int
}

// CPU is user plus system time.
func (s Stat) CPU() time.Duration { return s.User + s.Sys }

// add adds another process's figures to s, for a server of several
// processes.
func (s *Stat) add(o Stat) {
	s.RSS += o.RSS
	s.PeakRSS += o.PeakRSS
	s.Threads += o.Threads
	s.User += o.User
	s.Sys += o.Sys
	s.VolCtxSw += o.VolCtxSw
	s.InvolCtxSw += o.InvolCtxSw
	s.FDs += o.FDs
}

// ErrGone is returned when the process no longer exists.
var ErrGone = errors.New("process is gone")

// Interval is how often a Sampler reads the process.
const Interval = 100 * time.Millisecond

// Sampler reads a process every Interval from Start until Stop.
type Sampler struct {
	pid      int
	answered *atomic.Int64
	start    time.Time
	first    Stat
	stop     chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	last    Stat
	maxThr  int
	maxFDs  int
	maxRSS  int64 // the most RSS (or VmHWM) any reading saw
	samples []results.Sample
	err     error
}

// Start reads pid once, synchronously and cheaply, as the baseline of the
// deltas, and then every interval. answered, if not nil, is the count of correct answers
// so far; each sample records it.
func Start(pid int, interval time.Duration, answered *atomic.Int64) (*Sampler, error) {
	first, err := readLight(pid)
	if err != nil {
		return nil, err
	}
	s := &Sampler{pid: pid, answered: answered, start: time.Now(), first: first, last: first,
		maxThr: first.Threads, maxFDs: first.FDs, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop(interval)
	return s, nil
}

func (s *Sampler) loop(interval time.Duration) {
	defer close(s.done)
	s.baseCtxSw()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.read()
		}
	}
}

// baseCtxSw reads the context switches of every thread for the baseline.
// It runs on the sampler's goroutine, not in Start, because it reads one
// file per thread and Start is called as the measurement begins.
func (s *Sampler) baseCtxSw() {
	vol, invol, err := readTreeCtxSw(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.first.VolCtxSw, s.first.InvolCtxSw = vol, invol
	s.last.VolCtxSw, s.last.InvolCtxSw = vol, invol
}

// read takes one reading. After the process is gone it keeps the last good
// reading and remembers the error.
func (s *Sampler) read() {
	st, err := readLight(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return
	}
	st.VolCtxSw, st.InvolCtxSw = s.last.VolCtxSw, s.last.InvolCtxSw // readLight skips them
	s.last = st
	s.maxThr = max(s.maxThr, st.Threads)
	s.maxFDs = max(s.maxFDs, st.FDs)
	s.maxRSS = max(s.maxRSS, st.RSS, st.PeakRSS)
	var n int64
	if s.answered != nil {
		n = s.answered.Load()
	}
	s.samples = append(s.samples, results.Sample{
		T: time.Since(s.start).Seconds(), Requests: n, RSS: st.RSS, Threads: st.Threads, CPU: (st.CPU() - s.first.CPU()).Seconds(),
	})
}

// Stop takes a last reading and returns the usage over the sampled interval
// (CPU and context switches as deltas, threads and fds as the most seen, RSS
// at the end, peak RSS as the larger of VmHWM and the highest RSS sampled:
// the kernel updates VmHWM lazily, and it has been seen below a sample) and
// the series. Context switches are read
// at the start and the stop only, summed over the threads alive then. The
// error is ErrGone (or another read error) if the process could not be read
// at some point; the usage then ends at the last good reading.
func (s *Sampler) Stop() (results.Usage, []results.Sample, error) {
	close(s.stop)
	<-s.done
	s.read()
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, err := Read(s.pid); err == nil {
		s.last.VolCtxSw, s.last.InvolCtxSw = st.VolCtxSw, st.InvolCtxSw
	}
	d, f := s.last, s.first
	u := results.Usage{
		CPUUser: (d.User - f.User).Seconds(), CPUSys: (d.Sys - f.Sys).Seconds(),
		RSS: d.RSS, PeakRSS: max(d.PeakRSS, s.maxRSS), Threads: s.maxThr, FDs: s.maxFDs,
		VolCtxSw: d.VolCtxSw - f.VolCtxSw, InvolCtxSw: d.InvolCtxSw - f.InvolCtxSw,
	}
	return u, s.samples, s.err
}
