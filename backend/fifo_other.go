//go:build !linux

package backend

import (
	"errors"
	"os"
)

// makeFIFO is only implemented on Linux.
func makeFIFO(string) (*os.File, error) { return nil, errors.ErrUnsupported }

// lockDir is only implemented on Linux.
func lockDir(string) (*os.File, error) { return nil, errors.ErrUnsupported }
