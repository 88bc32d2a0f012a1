//go:build !linux

package syscount

import "errors"

// Pin sets the CPU affinity of every thread of pid; only Linux can.
func Pin(int, []int) error { return errors.ErrUnsupported }
