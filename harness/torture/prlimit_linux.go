package torture

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// prlimit sets a resource limit of another process.
func prlimit(pid, resource int, lim *syscall.Rlimit) error {
	l := unix.Rlimit{Cur: lim.Cur, Max: lim.Max}
	return os.NewSyscallError("prlimit", unix.Prlimit(pid, resource, &l, nil))
}

// childAttr kills a server whose torture run dies.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
