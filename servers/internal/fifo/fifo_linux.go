package fifo

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
)

// Slack is how long past its delay a Polled write may be held before it
// fails, as upstream calls have (the backend drains a block at its delay;
// only a backend that stopped working holds one longer).
const Slack = 5 * time.Second

// Blocking writes each block with blocking write(2) calls on the calling
// thread. Wait may be called from many threads at once; Close once no Wait
// runs any more.
type Blocking struct {
	dataDir string
	slots   *slots
	held    [app.FIFOSlots]blockingSlot // each touched only by its slot's holder
}

type blockingSlot struct {
	fd    int
	open  bool
	block []byte
}

// NewBlocking returns the FIFO writer of a server whose data directory is
// dataDir (the backend makes the FIFOs in app.FIFODir of it).
func NewBlocking(dataDir string) *Blocking {
	return &Blocking{dataDir: dataDir, slots: newSlots()}
}

// Wait performs /fifo?ms=N: it takes a slot and blocks this thread in
// write(2) until the backend has drained the block, N ms after it began.
// It fails with app.ErrFIFOBusy when every slot is taken. A blocking write
// cannot time out: it returns when the backend drains the block (at most
// app.MaxMillis after it began) or fails with EPIPE when the backend's
// side closes.
func (b *Blocking) Wait(ms int) error {
	slot, ok := b.slots.take()
	if !ok {
		return app.ErrFIFOBusy
	}
	defer b.slots.put(slot)
	sl := &b.held[slot]
	if !sl.open {
		fd, err := openBlocking(app.FIFOPath(b.dataDir, slot))
		if err != nil {
			return err
		}
		sl.fd, sl.open = fd, true
	}
	sl.block = app.AppendFIFOBlock(sl.block[:0], ms)
	if err := writeAll(sl.fd, sl.block); err != nil {
		unix.Close(sl.fd)
		sl.open = false
		return err
	}
	return nil
}

// Close closes the slots' descriptors.
func (b *Blocking) Close() {
	for i := range b.held {
		if sl := &b.held[i]; sl.open {
			unix.Close(sl.fd)
			sl.open = false
		}
	}
}

// openBlocking opens a FIFO for writing without ever blocking in open(2):
// with O_NONBLOCK it fails with ENXIO when no backend holds it for reading
// (a FIFO left by a killed backend), where a blocking open would wait for
// a reader for ever. Then it clears O_NONBLOCK, so writes block.
func openBlocking(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("fcntl", err)
	}
	return fd, nil
}

// writeAll writes p with blocking writes, going on after a write a signal
// cut short.
func writeAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		p = p[n:]
	}
	return nil
}

// Polled writes each block through an os.File on Go's netpoller: the
// calling goroutine parks until the backend drains the block. Wait may be
// called from many goroutines at once; Close once no Wait runs any more.
type Polled struct {
	dataDir string
	slots   *slots
	held    [app.FIFOSlots]polledSlot // each touched only by its slot's holder
}

type polledSlot struct {
	f     *os.File
	block []byte
}

// NewPolled returns the FIFO writer of a server whose data directory is
// dataDir.
func NewPolled(dataDir string) *Polled {
	return &Polled{dataDir: dataDir, slots: newSlots()}
}

// Wait performs /fifo?ms=N: it takes a slot and writes the block, parking
// the goroutine until the backend has drained it, N ms after it began. It
// fails with app.ErrFIFOBusy when every slot is taken, and after N ms and
// Slack if the backend has not drained the block by then.
func (p *Polled) Wait(ms int) error {
	slot, ok := p.slots.take()
	if !ok {
		return app.ErrFIFOBusy
	}
	defer p.slots.put(slot)
	sl := &p.held[slot]
	if sl.f == nil {
		// O_NONBLOCK: fail with ENXIO rather than wait when no backend
		// holds the FIFO (os.OpenFile keeps the descriptor non-blocking
		// and puts it on the netpoller).
		f, err := os.OpenFile(app.FIFOPath(p.dataDir, slot), os.O_WRONLY|unix.O_NONBLOCK, 0)
		if err != nil {
			return err
		}
		sl.f = f
	}
	sl.block = app.AppendFIFOBlock(sl.block[:0], ms)
	err := sl.f.SetWriteDeadline(time.Now().Add(time.Duration(ms)*time.Millisecond + Slack))
	if err == nil {
		_, err = sl.f.Write(sl.block)
	}
	if err != nil {
		sl.f.Close()
		sl.f = nil
	}
	return err
}

// Close closes the slots' files.
func (p *Polled) Close() {
	for i := range p.held {
		if sl := &p.held[i]; sl.f != nil {
			sl.f.Close()
			sl.f = nil
		}
	}
}
