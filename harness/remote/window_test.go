package remote

import (
	"errors"
	"math"
	"testing"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/sample"
	"loopbench/harness/validity"
)

// streamOf is an ended stream holding readings 100 ms apart from t0 on a
// host whose clock is offset ahead of this one's: user CPU 10 ms and cgroup
// CPU 20 ms per reading, a listen overflow per reading, context switches
// (100 per reading) every fifth.
func streamOf(t0 time.Time, offset time.Duration, n int) *Stream {
	done := make(chan struct{})
	close(done)
	s := &Stream{proc: &Proc{Host: "h"}, arrived: make(chan struct{}), done: done}
	for i := range n {
		d := time.Duration(i)
		rd := Reading{
			Time:   t0.Add(offset + d*100*time.Millisecond),
			Proc:   sample.Stat{User: d * 10 * time.Millisecond, RSS: int64(i) << 20, Threads: 2 + i%3, FDs: 10 + i},
			Group:  &cgroup.Usage{CPU: d * 20 * time.Millisecond, Memory: 1 << 20},
			Layout: "v2",
			Kernel: &validity.Counters{ListenOverflows: int64(i)},
		}
		if i%5 == 0 {
			rd.CtxSw, rd.Proc.VolCtxSw = true, int64(i)*100
		}
		s.readings = append(s.readings, rd)
	}
	return s
}

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, offset := range []time.Duration{0, time.Second, -300 * time.Millisecond} {
		s := streamOf(t0, offset, 11)
		w, err := s.Window(t0.Add(150*time.Millisecond), t0.Add(850*time.Millisecond), offset)
		if err != nil {
			t.Fatal(err)
		}
		u := w.Usage
		near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
		if !near(u.CPUUser, 0.070) || !near(u.CPU, 0.140) || u.CPUSource != "cgroup v2" {
			t.Errorf("offset %v: CPU user %g, cgroup %g (%s); want 0.070 and 0.140 interpolated at both ends", offset, u.CPUUser, u.CPU, u.CPUSource)
		}
		if len(w.Samples) != 7 || !near(w.Samples[0].T, 0.05) {
			t.Errorf("offset %v: %d samples from T=%v, want 7 from 0.05", offset, len(w.Samples), w.Samples)
		}
		if w.Kernel == nil || w.Kernel.ListenOverflows != 8 {
			t.Errorf("offset %v: kernel %+v, want the 8 overflows between the enclosing readings", offset, w.Kernel)
		}
		if u.VolCtxSw != 1000 || u.FDs != 19 || u.Threads != 4 || u.RSS != 9<<20 || u.Memory == nil {
			t.Errorf("offset %v: usage %+v", offset, u)
		}
	}
}

// TestWindowGone: a process that went away before the window's end is an
// error the runner recognises.
func TestWindowGone(t *testing.T) {
	t0 := time.Now()
	s := streamOf(t0, 0, 5)
	s.readings = append(s.readings, Reading{Time: t0.Add(500 * time.Millisecond), Gone: "/proc/1/stat: process is gone"})
	if _, err := s.Window(t0, t0.Add(time.Second), 0); !errors.Is(err, ErrGone) {
		t.Errorf("Window: %v, want ErrGone", err)
	}
}
