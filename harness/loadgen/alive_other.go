//go:build !linux

package loadgen

import (
	"errors"
	"net"
)

// alive cannot peek at a socket without blocking on this platform.
func alive(c net.Conn) (bool, error) { return false, errors.ErrUnsupported }
