//go:build !linux

package remote

import "syscall"

// childAttr has no parent-death signal to ask for outside Linux: a killed
// supervisor leaves its process running there.
func childAttr() *syscall.SysProcAttr { return nil }
