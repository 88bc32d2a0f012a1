//go:build !linux

package torture

import (
	"errors"
	"syscall"
)

// prlimit sets a resource limit of another process; only Linux can.
func prlimit(int, int, *syscall.Rlimit) error { return errors.ErrUnsupported }

func childAttr() *syscall.SysProcAttr { return nil }
