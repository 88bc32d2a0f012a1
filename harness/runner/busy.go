package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// busyWindow is how long the host is watched before a run.
const busyWindow = 500 * time.Millisecond

// busyShare is the share of the host's CPU time in use, before the run
// starts, from which the run warns that its figures will be noisy.
const busyShare = 0.15

// busyNotes watches the host for busyWindow and warns when other work is
// using its CPUs: that work lands on the server's and the client's CPUs
// alike and moves every figure. It names the busiest processes.
func busyNotes() []string {
	total0, idle0 := hostTicks()
	procs0 := processTicks()
	time.Sleep(busyWindow)
	total1, idle1 := hostTicks()
	procs1 := processTicks()
	if total1 <= total0 {
		return nil
	}
	used := 1 - float64(idle1-idle0)/float64(total1-total0)
	if used < busyShare {
		return nil
	}
	type busy struct {
		name  string
		ticks int64
	}
	var top []busy
	for pid, t1 := range procs1 {
		if t0, ok := procs0[pid]; ok && t1.ticks > t0.ticks && pid != os.Getpid() {
			top = append(top, busy{fmt.Sprintf("%s (pid %d)", t1.name, pid), t1.ticks - t0.ticks})
		}
	}
	slices.SortFunc(top, func(a, b busy) int { return int(b.ticks - a.ticks) })
	var names []string
	for _, b := range top[:min(len(top), 3)] {
		names = append(names, b.name)
	}
	load := strings.Join(strings.Fields(readTrim("/proc/loadavg"))[:3], " ")
	return []string{fmt.Sprintf("the host is busy: %.0f%% of its CPU time was in use in the %v before the run (load average %s; busiest: %s); its figures will move with that work: stop it, or compare only within this run",
		100*used, busyWindow, load, strings.Join(names, ", "))}
}

// hostTicks reads the host's total and idle (idle + iowait) clock ticks.
func hostTicks() (total, idle int64) {
	for _, line := range strings.Split(readTrim("/proc/stat"), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "cpu" {
			continue
		}
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			total += n
			if i == 3 || i == 4 {
				idle += n
			}
		}
	}
	return total, idle
}

// procTicks is one process's name and CPU ticks so far.
type procTicks struct {
	name  string
	ticks int64
}

// processTicks reads every process's user+system ticks from /proc/PID/stat.
func processTicks() map[int]procTicks {
	m := map[int]procTicks{}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		f := strings.Fields(s[close+1:]) // state ppid ... utime(12) stime(13)
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		m[pid] = procTicks{name: s[open+1 : close], ticks: u + st}
	}
	return m
}
