package loadgen

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ProcessCPU returns the user and system CPU time this process has used, so
// a caller can tell whether the load generator saturated its CPUs.
func ProcessCPU() (user, sys time.Duration, err error) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, os.NewSyscallError("getrusage", err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), nil
}
