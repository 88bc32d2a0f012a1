//go:build !linux

package node

import (
	"errors"
	"syscall"

	"loopbench/app"
)

// Exec is only implemented on Linux.
func (m *Model) Exec(cfg app.Config) error { return errors.ErrUnsupported }

func sysProcAttr() *syscall.SysProcAttr { return nil }
