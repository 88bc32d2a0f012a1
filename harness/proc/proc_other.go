//go:build !linux

package proc

import (
	"errors"
	"syscall"
)

// Allowed needs Linux's sched_getaffinity.
func Allowed() (CPUSet, error) { return nil, errors.ErrUnsupported }

// Pin needs Linux's sched_setaffinity.
func Pin(pid int, cpus CPUSet) error { return errors.ErrUnsupported }

// RaiseFileLimit is done on Linux only.
func RaiseFileLimit() (uint64, error) { return 0, errors.ErrUnsupported }

// SetFileLimit needs Linux's prlimit.
func SetFileLimit(pid int, n uint64) error { return errors.ErrUnsupported }

// sysProcAttr has neither a parent-death signal nor, portably, process
// groups to ask for outside Linux.
func sysProcAttr(killWithParent bool) *syscall.SysProcAttr { return nil }
