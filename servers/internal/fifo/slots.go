// Package fifo is the model side of /fifo (the protocol is app's, in
// app/fifo.go): the slots a server process hands out, one request per slot
// at a time, and the write of a request's block to its slot's FIFO, which
// the backend lets finish once the request's delay has passed. It writes
// two ways:
//
//   - Blocking blocks the calling OS thread in write(2) on a descriptor
//     opened without O_NONBLOCK, as libuv's uv_fs_write does on a pool
//     thread: for eventloop's pool workers and threaded's connection
//     threads, where the wait must hold a thread. (An os.File would not:
//     Go puts a FIFO on its netpoller and parks the goroutine instead.)
//   - Polled writes through an os.File on Go's netpoller, parking the
//     calling goroutine: for gnet's and evio's goroutines and fasthttp's
//     connection goroutines, whose way of waiting that is.
//
// A slot's descriptor is opened on its first use and kept; one that failed
// (the backend went away, or was replaced) is closed and opened afresh by
// the next request on its slot. Slots are handed out last freed first, so
// a server opens about as many FIFOs as it has requests waiting at once.
package fifo

import (
	"sync"

	"loopbench/app"
)

// slots are the free slots of one server: a stack, so the busiest slots are
// reused and the others never opened.
type slots struct {
	mu   sync.Mutex
	free []int
}

func newSlots() *slots {
	s := &slots{free: make([]int, app.FIFOSlots)}
	for i := range s.free {
		s.free[i] = app.FIFOSlots - 1 - i // slot 0 on top
	}
	return s
}

// take hands out a free slot, or reports false when all are taken.
func (s *slots) take() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.free)
	if n == 0 {
		return 0, false
	}
	slot := s.free[n-1]
	s.free = s.free[:n-1]
	return slot, true
}

// put gives a slot back once its write has returned.
func (s *slots) put(slot int) {
	s.mu.Lock()
	s.free = append(s.free, slot)
	s.mu.Unlock()
}
