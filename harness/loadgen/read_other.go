//go:build !linux

package loadgen

import "net"

// rawReader is Linux's read without the wasted system call; elsewhere
// connections are read through net.Conn.
type rawReader struct{}

func (r *rawReader) init(nc net.Conn) {}

func (c *conn) read(b []byte) (int, error) { return c.nc.Read(b) }
