//go:build !linux

package node

import (
	"errors"

	"loopbench/servers/model"
)

// Exec is only implemented on Linux.
func (m *Model) Exec(cfg model.Config) error { return errors.ErrUnsupported }
