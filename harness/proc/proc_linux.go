package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Allowed returns the CPUs this process may run on.
func Allowed() (CPUSet, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, os.NewSyscallError("sched_getaffinity", err)
	}
	var cpus CPUSet
	for c := range 4096 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// Pin sets the CPU affinity of every thread of pid (its /proc/PID/task
// entries). Threads the process creates later inherit the affinity of the
// thread that creates them, so pinning every existing thread pins the process.
func Pin(pid int, cpus CPUSet) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("pinning thread %d of %d to CPUs %s: %w", tid, pid, cpus, os.NewSyscallError("sched_setaffinity", err))
		}
	}
	return nil
}

// RaiseFileLimit raises this process's soft RLIMIT_NOFILE to its hard limit
// (children inherit it) and returns the new soft limit.
func RaiseFileLimit() (uint64, error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 0, os.NewSyscallError("getrlimit", err)
	}
	lim.Cur = lim.Max
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 0, os.NewSyscallError("setrlimit", err)
	}
	return lim.Cur, nil
}

// SetFileLimit sets another process's RLIMIT_NOFILE, soft and hard, to n.
func SetFileLimit(pid int, n uint64) error {
	lim := unix.Rlimit{Cur: n, Max: n}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
		return os.NewSyscallError("prlimit", err)
	}
	return nil
}

// sysProcAttr ties a child's life to this process's: the kernel kills it
// when this process dies (killWithParent), or it gets a process group of
// its own, out of reach of a Ctrl-C at the terminal.
func sysProcAttr(killWithParent bool) *syscall.SysProcAttr {
	if killWithParent {
		return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	}
	return &syscall.SysProcAttr{Setpgid: true}
}
