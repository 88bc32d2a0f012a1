package runner

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"loopbench/harness/sample"
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
	procs0 := processCPU()
	time.Sleep(busyWindow)
	total1, idle1 := hostTicks()
	procs1 := processCPU()
	if total1 <= total0 {
		return nil
	}
	used := 1 - float64(idle1-idle0)/float64(total1-total0)
	if used < busyShare {
		return nil
	}
	type busy struct {
		name string
		cpu  time.Duration
	}
	var top []busy
	for pid, t1 := range procs1 {
		if t0, ok := procs0[pid]; ok && t1.User+t1.Sys > t0.User+t0.Sys && pid != os.Getpid() {
			top = append(top, busy{fmt.Sprintf("%s (pid %d)", t1.Name, pid), t1.User + t1.Sys - t0.User - t0.Sys})
		}
	}
	slices.SortFunc(top, func(a, b busy) int { return cmp.Compare(b.cpu, a.cpu) })
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

// processCPU reads every process's name and CPU time (user and system)
// so far from /proc/PID/stat.
func processCPU() map[int]sample.ProcStat {
	m := map[int]sample.ProcStat{}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if st, err := sample.ParseStat(b); err == nil {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			m[pid] = st
		}
	}
	return m
}
