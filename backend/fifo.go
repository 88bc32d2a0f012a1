package backend

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"loopbench/app"
)

// The FIFO service is the backend's side of /fifo (the protocol is app's,
// in app/fifo.go): app.FIFOSlots FIFOs in app.FIFODir of the data
// directory, each held open by one goroutine that reads a block's header,
// waits the delay it asks for, then drains the block, which releases the
// model's write. The goroutines wait on Go's netpoller and a timer, so the
// service costs nothing while no request comes, whatever the number of
// slots.

// headerRead bounds a read while a header is awaited: a few bytes of the
// block's first page, which frees no page of the pipe, so the writer stays
// blocked until the delay has passed.
const headerRead = 64

// fifoSet is the FIFOs a Server serves and the lock that keeps a second
// backend off them.
type fifoSet struct {
	dataDir string
	slots   []*fifoSlot
	lock    *os.File // held for the service's life (see lockDir)
	// waited counts the blocks drained after their delay, malformed the
	// headers that broke the protocol (drained at once).
	waited, malformed countFunc
}

// countFunc adds one to a counter of the Server.
type countFunc func()

// ServeFIFOs makes the FIFO service's FIFOs in app.FIFODir(dataDir), the
// first slots of the app.FIFOSlots (all of them when slots is 0), and opens
// them, so that Serve serves them beside the TCP listener until it returns;
// they are removed then. A server hands out its lowest free slot, so the
// first n slots serve n requests at once: tests that hold a few make only
// a few FIFOs, which cost a goroutine and a descriptor each. FIFOs left by
// a backend that was killed are replaced. It fails if another backend
// serves the same directory, and on hosts without FIFOs
// (errors.ErrUnsupported). Call it once, before Serve.
func (s *Server) ServeFIFOs(dataDir string, slots int) error {
	switch {
	case s.fifos != nil:
		return errors.New("backend: ServeFIFOs called twice")
	case slots < 0 || slots > app.FIFOSlots:
		return fmt.Errorf("backend: %d FIFO slots asked for; the protocol has %d", slots, app.FIFOSlots)
	case slots == 0:
		slots = app.FIFOSlots
	}
	dir := app.FIFODir(dataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("backend: the FIFO directory: %w (give a writable data directory)", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		os.Remove(dir) // if this call made it
		return err
	}
	set := &fifoSet{dataDir: dataDir, lock: lock,
		waited: func() { s.fifoWaited.Add(1) }, malformed: func() { s.fifoMalformed.Add(1) }}
	for i := range slots {
		f, err := makeFIFO(app.FIFOPath(dataDir, i))
		if err != nil {
			set.close()
			set.remove()
			return fmt.Errorf("backend: %w (the data directory must be on a local file system that has FIFOs)", err)
		}
		set.slots = append(set.slots, &fifoSlot{f: f, set: set, buf: make([]byte, app.FIFOBlock)})
	}
	s.fifos = set
	return nil
}

// start serves every slot on a goroutine of s.wg until done is closed.
func (set *fifoSet) start(s *Server) {
	for _, sl := range set.slots {
		s.wg.Go(func() { sl.serve(s.done) })
	}
}

// close closes every FIFO, which ends the reads waiting on them.
func (set *fifoSet) close() {
	for _, sl := range set.slots {
		sl.f.Close()
	}
}

// remove removes the FIFOs, the lock and the directory, once no goroutine
// uses them.
func (set *fifoSet) remove() {
	for i := range app.FIFOSlots {
		os.Remove(app.FIFOPath(set.dataDir, i))
	}
	if set.lock != nil {
		os.Remove(set.lock.Name())
		set.lock.Close()
	}
	os.Remove(app.FIFODir(set.dataDir))
}

// fifoSlot is one FIFO and what its goroutine has read of it: buf[r:w] is
// read and not yet consumed.
type fifoSlot struct {
	f         *os.File
	set       *fifoSet
	buf       []byte
	r, w      int
	at        time.Time // when the last read returned
	headerLen int       // the length of the header of the block being served
}

// serve answers the slot's blocks one after another until the service
// stops: it reads a header, waits until the delay has passed since the
// header arrived, then drains the block.
func (sl *fifoSlot) serve(done <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		ms, err := sl.header()
		if err != nil {
			return
		}
		timer.Reset(time.Until(sl.at.Add(time.Duration(ms) * time.Millisecond)))
		select {
		case <-timer.C:
		case <-done:
			return
		}
		if err := sl.drain(app.FIFOBlock - sl.headerLen); err != nil {
			return
		}
		sl.set.waited()
	}
}

// header reads up to the next block's header and returns its delay; the
// header's length is left in headerLen. Zeros before it are what is left of
// a block whose writer died part way (drained, and otherwise ignored); a
// header that breaks the protocol is dropped, so its writer is drained
// without a wait. The delay counts from sl.at, the read that completed the
// header (a header of at most six bytes arrives in the block's first page,
// so that is the read that brought its first byte).
func (sl *fifoSlot) header() (ms int, err error) {
	for {
		sl.skipZeros()
		if sl.r < sl.w {
			n, ms, perr := app.ParseUpstreamRequest(sl.buf[sl.r:sl.w])
			switch {
			case perr != nil:
				sl.set.malformed()
				sl.skipNonZeros()
				continue
			case n > 0:
				sl.r += n
				sl.headerLen = n
				return ms, nil
			}
		}
		if err := sl.fill(headerRead); err != nil {
			return 0, err
		}
	}
}

// drain consumes the rest of a block, left bytes of zeros, reading only
// what the block still owes. A non-zero byte before its end is the next
// block's header (this one's writer died part way): drain stops there.
func (sl *fifoSlot) drain(left int) error {
	for {
		k := min(left, sl.w-sl.r)
		chunk := sl.buf[sl.r : sl.r+k]
		if i := nonZero(chunk); i >= 0 {
			sl.r += i
			return nil
		}
		sl.r += k
		if left -= k; left == 0 {
			return nil
		}
		if err := sl.fill(left); err != nil {
			return err
		}
	}
}

// fill waits for at most limit more bytes (limit > 0), moving what is
// unconsumed to the front of buf first.
func (sl *fifoSlot) fill(limit int) error {
	if sl.r > 0 {
		sl.w = copy(sl.buf, sl.buf[sl.r:sl.w])
		sl.r = 0
	}
	end := min(sl.w+limit, len(sl.buf))
	n, err := sl.f.Read(sl.buf[sl.w:end])
	sl.w += n
	sl.at = time.Now()
	switch {
	case n > 0:
		return nil
	case err == nil:
		return io.ErrNoProgress // never from a pipe; stop rather than spin
	}
	return err
}

func (sl *fifoSlot) skipZeros() {
	for sl.r < sl.w && sl.buf[sl.r] == 0 {
		sl.r++
	}
}

func (sl *fifoSlot) skipNonZeros() {
	for sl.r < sl.w && sl.buf[sl.r] != 0 {
		sl.r++
	}
}

// zeros is compared with a block's padding: bytes.Equal uses the
// processor's vector compare, so checking a block costs about a microsecond.
var zeros = make([]byte, app.FIFOBlock)

// nonZero returns the index of the first non-zero byte of b, or -1.
func nonZero(b []byte) int {
	if bytes.Equal(b, zeros[:len(b)]) {
		return -1
	}
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return -1
}
