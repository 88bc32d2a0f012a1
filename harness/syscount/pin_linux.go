package syscount

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Pin sets the CPU affinity of every thread of pid, so that a count is
// taken with the server and the load generator on CPUs of their own.
// Threads created later inherit the affinity of their creator.
func Pin(pid int, cpus []int) error {
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
			return fmt.Errorf("syscount: pinning thread %d of %d to CPUs %v: %w", tid, pid, cpus, os.NewSyscallError("sched_setaffinity", err))
		}
	}
	return nil
}
