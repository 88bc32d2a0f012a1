package node

import (
	"os"
	"syscall"

	"loopbench/servers/model"
)

// Exec replaces the calling process with node serving cfg, so the process
// that serves, and that the harness measures, is node itself. It returns
// only on failure.
func (m *Model) Exec(cfg model.Config) error {
	bin, args, env, err := command(cfg)
	if err != nil {
		return err
	}
	return os.NewSyscallError("execve", syscall.Exec(bin, args, env))
}
