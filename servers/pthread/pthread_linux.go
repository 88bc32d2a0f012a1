package pthread

import (
	"fmt"
	"os"
	"syscall"

	"loopbench/servers/model"
)

// Exec replaces the calling process with the C server serving cfg, so the
// process that serves, and that the harness measures, is the server
// itself. It returns only on failure.
func (m *Model) Exec(cfg model.Config) error {
	bin, err := find()
	if err != nil {
		return fmt.Errorf("pthread model: %w", err)
	}
	return os.NewSyscallError("execve", syscall.Exec(bin, argv(bin, cfg), os.Environ()))
}
