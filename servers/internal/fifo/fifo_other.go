//go:build !linux

package fifo

import "errors"

// Blocking is only implemented on Linux: Wait fails.
type Blocking struct{}

// NewBlocking returns a writer whose Wait fails with errors.ErrUnsupported.
func NewBlocking(string) *Blocking { return &Blocking{} }

// Wait fails with errors.ErrUnsupported.
func (*Blocking) Wait(int) error { return errors.ErrUnsupported }

// Close does nothing.
func (*Blocking) Close() {}

// Polled is only implemented on Linux: Wait fails.
type Polled struct{}

// NewPolled returns a writer whose Wait fails with errors.ErrUnsupported.
func NewPolled(string) *Polled { return &Polled{} }

// Wait fails with errors.ErrUnsupported.
func (*Polled) Wait(int) error { return errors.ErrUnsupported }

// Close does nothing.
func (*Polled) Close() {}
