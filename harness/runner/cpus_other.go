//go:build !linux

package runner

import (
	"errors"
	"syscall"
)

func allowedCPUs() (CPUSet, error) { return nil, errors.ErrUnsupported }

func pin(pid int, cpus CPUSet) error { return errors.ErrUnsupported }

func raiseFileLimit() (uint64, error) { return 0, errors.ErrUnsupported }

func childAttr() *syscall.SysProcAttr { return nil }
