package remote

import "syscall"

// childAttr makes the kernel kill a supervised process when its supervisor
// dies, however it dies (SIGKILL included), so a dropped transport leaves
// nothing running.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
