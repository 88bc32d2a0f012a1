//go:build !linux

package testkit

import "errors"

// LimitDescriptors needs /proc and prlimit(2): on this system it returns
// errors.ErrUnsupported.
func LimitDescriptors(room int) (restore func() error, err error) {
	return nil, errors.ErrUnsupported
}
