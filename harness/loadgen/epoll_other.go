//go:build !linux

package loadgen

import "errors"

// epollSupported says whether closed loops can run on the epoll engine here.
const epollSupported = false

// eloop is the epoll engine, which only Linux has.
type eloop struct{}

func newEloop(r *run, index, conns int) (*eloop, error) { return nil, errors.ErrUnsupported }

func (l *eloop) run() {}
