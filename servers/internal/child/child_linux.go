package child

import "syscall"

// SysProcAttr kills the child when the thread that started it exits.
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
