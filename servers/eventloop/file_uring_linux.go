package eventloop

import (
	"os"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ringFiles reads /file on the ring instead of the pool, as libuv does
// since 1.45: an open of the name in the data directory into one of the
// ring's fixed-file slots (a descriptor that exists only inside the ring),
// linked to a read into the answer's buffer, then a close. With the file
// in the page cache, all three complete inline in the enter that submits
// them; a read that must wait for the disk goes to the kernel's io-wq
// threads, bounded by the pool's size (start). The read's buffer is as
// large as the file, whose size the loop learns from a statx the first
// time, so that reading a large file allocates one buffer on the loop's
// thread, not one after another.
type ringFiles struct {
	dir     int   // the data directory, O_PATH; -1 with dirErr
	dirErr  error // why it could not be opened: every read reports it
	slots   [fileSlots]fileSlot
	free    []int     // slots with no file
	waiting []*answer // reads waiting for a free slot, in order
	// sizes is the size each file had when last read whole, so the next
	// read of it needs no statx; at most maxKnownSizes names, since names
	// come from clients.
	sizes map[string]int
}

const maxKnownSizes = 64

// fileSlot is one read in flight: what the open and the read point at
// stays here until their completions. The open's and the read's
// completions are taken in whichever order they come (settle).
type fileSlot struct {
	a        *answer
	path     []byte // the name, NUL-terminated
	stat     unix.Statx_t
	how      unix.OpenHow
	err      error // the open's failure
	want     int   // the bytes the read in flight asked for
	res      int32 // the read's result
	opened   bool  // the open succeeded: the slot holds a file to close
	openDone bool
	readDone bool
}

// minFileRead is the smallest buffer a read gets. A read into a buffer one
// byte larger than the file comes back short, which says it reached the
// end (for a regular file, io_uring retries short reads itself); a file
// that grew since its size was learnt fills the buffer, and is read on
// into one twice as large.
const minFileRead = 64<<10 + 1

// init opens the data directory and registers the fixed-file slots.
func (f *ringFiles) init(r *ring, dir string) error {
	f.dir = -1
	if fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		f.dirErr = &os.PathError{Op: "open", Path: dir, Err: err}
	} else {
		f.dir = fd
	}
	f.sizes = make(map[string]int)
	f.free = make([]int, fileSlots)
	for i := range f.free {
		f.free[i] = fileSlots - 1 - i
	}
	return r.registerSparseFiles(fileSlots)
}

// readFile starts a's read, or queues it until a slot is free.
func (x *ringIO) readFile(l *loop, a *answer) bool {
	f := &x.files
	switch {
	case f.dirErr != nil:
		l.complete(a, nil, f.dirErr)
	case len(f.free) == 0:
		f.waiting = append(f.waiting, a)
	default:
		x.openAndRead(a)
	}
	return true
}

// openAndRead starts a's read in a free slot: with the file's size known,
// its open and first read at once, else a statx first (statted).
func (x *ringIO) openAndRead(a *answer) {
	f := &x.files
	i := f.free[len(f.free)-1]
	f.free = f.free[:len(f.free)-1]
	sl := &f.slots[i]
	*sl = fileSlot{a: a, path: append(append(sl.path[:0], a.action.Name...), 0)}
	if size, ok := f.sizes[a.action.Name]; ok {
		x.openRead(i, size)
		return
	}
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len = opcodeStatx, int32(f.dir), addrOf(sl.path), unix.STATX_SIZE
	s.off = uint64(uintptr(unsafe.Pointer(&sl.stat)))
	s.userData = ud(udStat, i)
	x.inflight++
}

// statted takes the statx's completion: the size, if it says one, sizes
// the read's buffer. A failed statx leaves the answer to the open, which
// alone confines the name to the data directory.
func (x *ringIO) statted(i int, res int32) {
	sl := &x.files.slots[i]
	size := 0
	if res == 0 {
		size = int(sl.stat.Size)
	}
	x.openRead(i, size)
}

// openRead queues the open of slot i's file into the slot, linked to its
// first read into a buffer of size+1 bytes at least.
func (x *ringIO) openRead(i int, size int) {
	f := &x.files
	sl := &f.slots[i]
	sl.how = unix.OpenHow{Flags: unix.O_RDONLY, Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS}
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len = opcodeOpenat2, int32(f.dir), addrOf(sl.path), uint32(unix.SizeofOpenHow)
	s.off = uint64(uintptr(unsafe.Pointer(&sl.how)))
	s.fileIndex = uint32(i) + 1 // a fixed-file slot: no descriptor in the process's table
	s.flags = sqeIOLink
	s.userData = ud(udOpen, i)
	x.inflight++
	a := sl.a
	if want := max(size+1, minFileRead); cap(a.scratch) < want {
		a.scratch = make([]byte, 0, want)
	}
	a.scratch = a.scratch[:0]
	x.read(i)
}

// read queues the read of slot i's file into the rest of its answer's
// buffer, at the offset of what was read so far.
func (x *ringIO) read(i int) {
	sl := &x.files.slots[i]
	buf := sl.a.scratch[len(sl.a.scratch):cap(sl.a.scratch)]
	sl.want = len(buf)
	s := x.r.next()
	s.opcode, s.fd, s.addr, s.len, s.off = opcodeRead, int32(i), addrOf(buf), uint32(len(buf)), uint64(len(sl.a.scratch))
	s.flags = sqeFixedFile
	s.userData = ud(udRead, i)
	x.inflight++
}

// closeSlot queues the close of slot i's file.
func (x *ringIO) closeSlot(i int) {
	s := x.r.next()
	s.opcode, s.fileIndex = opcodeClose, uint32(i)+1
	s.userData = ud(udClose, i)
	x.inflight++
}

// done takes a completion of slot i's statx, open, read or close.
func (f *ringFiles) done(l *loop, x *ringIO, op uint8, i int, res int32) {
	sl := &f.slots[i]
	switch op {
	case udStat:
		x.statted(i, res)
	case udOpen:
		sl.openDone, sl.opened = true, res >= 0
		if res < 0 {
			sl.err = errnoOf("openat2", res)
		}
		x.settle(l, i)
	case udRead:
		sl.readDone, sl.res = true, res
		x.settle(l, i)
	case udClose:
		x.freeSlot(l, i)
	}
}

// settle acts once both the open and the read have completed: it reads on
// when the read filled its buffer (the file may be larger), or completes
// the answer and closes the file.
func (x *ringIO) settle(l *loop, i int) {
	sl := &x.files.slots[i]
	if !sl.openDone || !sl.readDone {
		return
	}
	a, res := sl.a, sl.res
	if res > 0 && int(res) == sl.want && !a.canceled && !x.finishing {
		a.scratch = slices.Grow(a.scratch[:len(a.scratch)+int(res)], cap(a.scratch))
		sl.readDone = false
		x.read(i)
		return
	}
	sl.a = nil
	switch {
	case sl.err != nil:
		l.complete(a, nil, sl.err)
	case res < 0:
		l.complete(a, nil, errnoOf("read", res))
	default:
		a.scratch = a.scratch[:len(a.scratch)+int(res)]
		x.files.learn(a.action.Name, len(a.scratch))
		l.complete(a, a.scratch, nil)
	}
	if sl.opened {
		x.closeSlot(i)
	} else {
		x.freeSlot(l, i)
	}
}

// learn notes the size of the file name.
func (f *ringFiles) learn(name string, size int) {
	if _, ok := f.sizes[name]; ok || len(f.sizes) < maxKnownSizes {
		f.sizes[name] = size
	}
}

// freeSlot makes slot i free and starts the first waiting read.
func (x *ringIO) freeSlot(l *loop, i int) {
	f := &x.files
	f.free = append(f.free, i)
	for len(f.waiting) > 0 && len(f.free) > 0 {
		a := f.waiting[0]
		f.waiting[0] = nil
		f.waiting = f.waiting[1:]
		if a.canceled || x.finishing {
			l.complete(a, nil, errPoolClosed)
			continue
		}
		x.openAndRead(a)
	}
}

// dropWaiting completes the reads still waiting for a slot, as the pool
// drops its queue when it closes.
func (f *ringFiles) dropWaiting(l *loop) {
	for _, a := range f.waiting {
		l.complete(a, nil, errPoolClosed)
	}
	f.waiting = nil
}

func (f *ringFiles) close() {
	if f.dir >= 0 {
		unix.Close(f.dir)
		f.dir = -1
	}
}
