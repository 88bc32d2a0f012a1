//go:build !linux

package loadgen

import (
	"errors"
	"time"
)

// ProcessCPU is not measured on this platform.
func ProcessCPU() (user, sys time.Duration, err error) { return 0, 0, errors.ErrUnsupported }
