//go:build !linux

package child

import "syscall"

// SysProcAttr is nil where there is no parent-death signal.
func SysProcAttr() *syscall.SysProcAttr { return nil }
