package sample

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"
	"time"
)

// Read reads pid's figures from /proc/PID/stat, status, fd, and the status
// of each of its threads for the context switches, summed over pid and the
// processes it started (see readLight).
func Read(pid int) (Stat, error) {
	st, err := readLight(pid)
	if err != nil {
		return Stat{}, err
	}
	st.VolCtxSw, st.InvolCtxSw, err = readTreeCtxSw(pid)
	return st, err
}

func procDir(pid int) string { return "/proc/" + strconv.Itoa(pid) }

// readLight is Read without the context switches, which cost one file per
// thread (4,096 of them for a thread-per-connection server at 4,096
// connections): what the Sampler reads every interval. A server that is a
// tree of processes (node's cluster: a primary and its workers) is read
// whole: the figures of pid and of every process it started and that runs
// still are added up (memory as each process's RSS and VmHWM, so pages
// the processes share count once per process; its cgroup, where the server
// has one, counts them once). The gone error is pid's alone: a worker that
// exits between the listing and its reading is left out.
func readLight(pid int) (Stat, error) {
	st, err := readOne(pid)
	if err != nil {
		return Stat{}, err
	}
	for _, c := range descendants(pid) {
		if cs, err := readOne(c); err == nil {
			st.add(cs)
		}
	}
	return st, nil
}

// descendants lists the processes pid started, and theirs, that run still:
// the children of each one's main thread (/proc/PID/task/PID/children),
// which is where a process that forks from its main thread (node, sh) keeps
// them. Children of other threads are not looked for: reading every
// thread's list would cost one file per thread at every reading. A kernel
// without the lists (CONFIG_PROC_CHILDREN) gives none.
func descendants(pid int) []int {
	var out []int
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		p := strconv.Itoa(queue[0])
		b, err := os.ReadFile("/proc/" + p + "/task/" + p + "/children")
		if err != nil {
			continue
		}
		for f := range bytes.FieldsSeq(b) {
			if c, err := strconv.Atoi(string(f)); err == nil && len(out) < maxDescendants {
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out
}

// maxDescendants bounds the processes read beside a server: far more than
// a cluster's workers, and a bound on a server that forks without end.
const maxDescendants = 1024

// readTreeCtxSw sums the context switches of pid's threads and of its
// descendants' threads.
func readTreeCtxSw(pid int) (vol, invol int64, err error) {
	vol, invol, err = readCtxSw(procDir(pid))
	if err != nil {
		return 0, 0, err
	}
	for _, c := range descendants(pid) {
		if v, i, err := readCtxSw(procDir(c)); err == nil {
			vol, invol = vol+v, invol+i
		}
	}
	return vol, invol, nil
}

// readOne reads one process's figures, without the context switches.
func readOne(pid int) (Stat, error) {
	dir := procDir(pid)
	var st Stat
	if err := readStat(dir, &st); err != nil {
		return Stat{}, err
	}
	if err := readStatus(dir, &st); err != nil {
		return Stat{}, err
	}
	n, err := countFDs(dir)
	if err != nil {
		return Stat{}, err
	}
	st.FDs = n
	return st, nil
}

// readCtxSw sums the context switches of every thread: /proc/PID/status
// counts only the main thread's. Threads that exited are no longer counted.
func readCtxSw(dir string) (vol, invol int64, err error) {
	tasks, err := os.ReadDir(dir + "/task")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, fmt.Errorf("%s/task: %w", dir, ErrGone)
	}
	if err != nil {
		return 0, 0, err
	}
	for _, t := range tasks {
		var st Stat
		if readStatus(dir+"/task/"+t.Name(), &st) == nil {
			vol, invol = vol+st.VolCtxSw, invol+st.InvolCtxSw
		}
	}
	return vol, invol, nil
}

func readProc(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return nil, fmt.Errorf("%s: %w", path, ErrGone)
	}
	return b, err
}

// readStat takes utime and stime from /proc/PID/stat, and reports ErrGone
// for a zombie, whose memory figures are gone.
func readStat(dir string, st *Stat) error {
	b, err := readProc(dir + "/stat")
	if err != nil {
		return err
	}
	ps, err := ParseStat(b)
	if err != nil {
		return fmt.Errorf("%s/stat: %w", dir, err)
	}
	if ps.State == "Z" || ps.State == "X" {
		return fmt.Errorf("%s/stat: exited (state %s): %w", dir, ps.State, ErrGone)
	}
	st.User, st.Sys = ps.User, ps.Sys
	return nil
}

// readStatus takes memory, threads and the context switches of one thread
// from a status file.
func readStatus(dir string, st *Stat) error {
	b, err := readProc(dir + "/status")
	if err != nil {
		return err
	}
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		key, val, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		f := bytes.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			continue
		}
		switch string(key) {
		case "VmRSS":
			st.RSS = n << 10 // kB
		case "VmHWM":
			st.PeakRSS = n << 10
		case "Threads":
			st.Threads = int(n)
		case "voluntary_ctxt_switches":
			st.VolCtxSw = n
		case "nonvoluntary_ctxt_switches":
			st.InvolCtxSw = n
		}
	}
	return nil
}

// countFDs counts the open descriptors of a process. Since Linux 6.2 the size
// of /proc/PID/fd is that count, read in constant time, which matters for a
// server holding 10,000 connections sampled ten times a second; older
// kernels report 0 and the entries are counted.
func countFDs(dir string) (int, error) {
	if fi, err := os.Stat(dir + "/fd"); err == nil && fi.Size() > 0 {
		return int(fi.Size()), nil
	}
	f, err := os.Open(dir + "/fd")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("%s/fd: %w", dir, ErrGone)
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for {
		names, err := f.Readdirnames(1024)
		n += len(names)
		if err != nil || len(names) == 0 {
			return n, nil
		}
	}
}

// Self returns the CPU time this process has used, for the load generator's
// own utilization.
func Self() (user, sys time.Duration, err error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, os.NewSyscallError("getrusage", err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), nil
}
