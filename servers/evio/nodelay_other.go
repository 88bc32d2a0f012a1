//go:build !linux

package evio

import "errors"

// setNoDelay is only written for Linux.
func setNoDelay(int) error { return errors.ErrUnsupported }
