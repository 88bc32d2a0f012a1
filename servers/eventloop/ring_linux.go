package eventloop

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file is the io_uring plumbing, written from the kernel's ABI
// (include/uapi/linux/io_uring.h) as liburing's queue.c and setup.c do it:
// io_uring_setup, the mmap of the submission and completion rings and of
// the SQE array, io_uring_enter and io_uring_register. No io_uring binding
// is in the standard library, and none was available as a module, so the
// ring is written out here; it knows nothing of the loop.

// Setup flags, features, opcodes and flags of the ABI that the loop uses.
const (
	setupRDisabled    = 1 << 6
	setupSubmitAll    = 1 << 7
	setupCQSize       = 1 << 3
	setupSingleIssuer = 1 << 12
	setupDeferTaskrun = 1 << 13

	featSingleMmap = 1 << 0
	featNoDrop     = 1 << 1
	featExtArg     = 1 << 8

	enterGetEvents = 1 << 0
	enterExtArg    = 1 << 3

	registerFiles2          = 13
	registerProbe           = 8
	registerEnableRings     = 12
	registerIOWQMaxWorkers  = 19
	registerPbufRing        = 22
	unregisterPbufRing      = 23
	rsrcRegisterSparse      = 1 << 0
	offSQRing               = 0
	offCQRing               = 0x8000000
	offSQEs                 = 0x10000000
	sqeFixedFile            = 1 << 0
	sqeIOLink               = 1 << 2
	sqeIOHardlink           = 1 << 3
	sqeBufferSelect         = 1 << 5
	sqeCQESkipSuccess       = 1 << 6
	cqeFBuffer              = 1 << 0
	cqeFMore                = 1 << 1
	cqeBufferShift          = 16
	recvMultishot           = 1 << 1
	acceptMultishot         = 1 << 0
	timeoutAbs              = 1 << 0
	asyncCancelAll          = 1 << 0
	asyncCancelFD           = 1 << 1
	asyncCancelAny          = 1 << 2
	ioringOpProbeSupported  = 1 << 0
	ioringProbeOps          = 256
	ioringProbeHeaderLength = 16
)

// The opcodes the loop submits (enum io_uring_op).
const (
	opcodeNop         = 0
	opcodePollAdd     = 6
	opcodeTimeout     = 11
	opcodeAccept      = 13
	opcodeAsyncCancel = 14
	opcodeConnect     = 16
	opcodeClose       = 19
	opcodeStatx       = 21
	opcodeRead        = 22
	opcodeSend        = 26
	opcodeRecv        = 27
	opcodeOpenat2     = 28
)

// opcodeNames names every opcode the loop needs, for the message saying
// which one a kernel lacks.
var opcodeNames = map[uint8]string{
	opcodePollAdd: "IORING_OP_POLL_ADD", opcodeTimeout: "IORING_OP_TIMEOUT", opcodeAccept: "IORING_OP_ACCEPT", opcodeAsyncCancel: "IORING_OP_ASYNC_CANCEL",
	opcodeConnect: "IORING_OP_CONNECT", opcodeClose: "IORING_OP_CLOSE", opcodeStatx: "IORING_OP_STATX", opcodeRead: "IORING_OP_READ",
	opcodeSend: "IORING_OP_SEND", opcodeRecv: "IORING_OP_RECV", opcodeOpenat2: "IORING_OP_OPENAT2",
}

// sqe is struct io_uring_sqe (64 bytes), with the unions named for the
// fields the loop uses.
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64 // off, addr2
	addr        uint64
	len         uint32
	opFlags     uint32 // msg_flags, accept_flags, timeout_flags, cancel_flags, ...
	userData    uint64
	bufGroup    uint16 // buf_index, buf_group
	personality uint16
	fileIndex   uint32
	addr3       uint64
	_           uint64
}

// cqe is struct io_uring_cqe (16 bytes).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// The sizes the kernel expects; a wrong field would fail to compile here.
var (
	_ [64]byte  = [unsafe.Sizeof(sqe{})]byte{}
	_ [16]byte  = [unsafe.Sizeof(cqe{})]byte{}
	_ [120]byte = [unsafe.Sizeof(ringParams{})]byte{}
)

// ringParams is struct io_uring_params with its two offset structs.
type ringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	_                                                                      [3]uint32
	sq                                                                     struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, _ uint32
		_                                                           uint64
	}
	cq struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, _ uint32
		_                                                           uint64
	}
}

// getEventsArg is struct io_uring_getevents_arg, the argument of
// io_uring_enter with IORING_ENTER_EXT_ARG: here, only the wait's timeout.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64 // *unix.Timespec
}

// ring is one io_uring instance mapped into the process. It is used by one
// thread: the loop's (IORING_SETUP_SINGLE_ISSUER).
type ring struct {
	fd       int
	features uint32
	mem      [][]byte // the mappings, unmapped by close

	sqHead, sqTail *uint32 // shared with the kernel
	sqMask         uint32
	sqEntries      uint32
	sqes           []sqe
	tail           uint32 // the next SQE to fill; published to *sqTail by flush
	spare          sqe    // handed out when the queue is full and cannot drain (see next)
	full           error  // set when that happened: the loop fails with it

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []cqe

	ts  unix.Timespec // the wait's timeout
	arg getEventsArg  // points at ts
}

// newRing sets up a ring of sqEntries submission and cqEntries completion
// entries with the given setup flags, and maps it.
func newRing(sqEntries, cqEntries, flags uint32) (*ring, error) {
	p := ringParams{cqEntries: cqEntries, flags: flags | setupCQSize}
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(sqEntries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, os.NewSyscallError("io_uring_setup", errno)
	}
	r := &ring{fd: int(fd), features: p.features}
	if err := r.mapRings(&p); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// mapRings maps the submission ring, the completion ring (one mapping with
// IORING_FEAT_SINGLE_MMAP) and the SQE array, and points the ring's fields
// into them.
func (r *ring) mapRings(p *ringParams) error {
	sqSize := int(p.sq.array) + int(p.sqEntries)*4
	cqSize := int(p.cq.cqes) + int(p.cqEntries)*int(unsafe.Sizeof(cqe{}))
	if p.features&featSingleMmap != 0 {
		sqSize = max(sqSize, cqSize)
	}
	sq, err := r.mmap(offSQRing, sqSize)
	if err != nil {
		return err
	}
	cq := sq
	if p.features&featSingleMmap == 0 {
		if cq, err = r.mmap(offCQRing, cqSize); err != nil {
			return err
		}
	}
	sqes, err := r.mmap(offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(sqe{})))
	if err != nil {
		return err
	}
	r.sqHead, r.sqTail = u32At(sq, p.sq.head), u32At(sq, p.sq.tail)
	r.sqMask, r.sqEntries = *u32At(sq, p.sq.ringMask), *u32At(sq, p.sq.ringEntries)
	// The SQ index array maps ring slots to SQEs; identity, as liburing
	// sets it up, so the SQE of slot i is sqes[i].
	array := unsafe.Slice(u32At(sq, p.sq.array), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&sqes[0])), p.sqEntries)
	r.tail = atomic.LoadUint32(r.sqTail)
	r.cqHead, r.cqTail = u32At(cq, p.cq.head), u32At(cq, p.cq.tail)
	r.cqMask = *u32At(cq, p.cq.ringMask)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&cq[p.cq.cqes])), *u32At(cq, p.cq.ringEntries))
	r.arg.ts = uint64(uintptr(unsafe.Pointer(&r.ts)))
	return nil
}

func (r *ring) mmap(offset int64, size int) ([]byte, error) {
	b, err := unix.Mmap(r.fd, offset, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	r.mem = append(r.mem, b)
	return b, nil
}

func u32At(b []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }

// errSQFull is what the loop fails with if the kernel takes no submissions
// while the queue is full, which the ring's sizes should make impossible.
var errSQFull = errors.New("eventloop: io_uring submission queue full and not draining")

// next returns a zeroed SQE to fill; it is submitted by the next enter.
// When the queue is full it submits what is queued first; should the kernel
// take nothing, it records errSQFull and returns a spare SQE that is never
// submitted, so callers need no error path of their own.
func (r *ring) next() *sqe {
	if r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
		if _, err := r.enter(0, 0, nil); err != nil || r.tail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
			r.full = errSQFull
			r.spare = sqe{}
			return &r.spare
		}
	}
	s := &r.sqes[r.tail&r.sqMask]
	*s = sqe{}
	r.tail++
	return s
}

// queued is the number of SQEs filled and not yet taken by the kernel.
func (r *ring) queued() uint32 { return r.tail - atomic.LoadUint32(r.sqHead) }

// enter publishes the queued SQEs and calls io_uring_enter: it submits
// them, runs the completions the kernel deferred to this thread
// (IORING_SETUP_DEFER_TASKRUN), and, with minComplete 1, waits for one
// completion or until timeout (nil: no limit). EINTR (a signal of Go's
// runtime) and ETIME (the timeout) are not errors.
func (r *ring) enter(flags, minComplete uint32, timeout *unix.Timespec) (int, error) {
	atomic.StoreUint32(r.sqTail, r.tail)
	var arg unsafe.Pointer
	var argSize uintptr
	if timeout != nil {
		r.ts = *timeout
		flags |= enterExtArg
		arg, argSize = unsafe.Pointer(&r.arg), unsafe.Sizeof(r.arg)
	}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(r.queued()), uintptr(minComplete),
		uintptr(flags), uintptr(arg), argSize)
	switch errno {
	case 0:
		return int(n), nil
	case unix.EINTR, unix.ETIME, unix.EAGAIN, unix.EBUSY:
		// EAGAIN and EBUSY: the kernel is short of memory for requests, or
		// holds completions the ring has no room for; reaping the
		// completions and entering again is the cure (liburing does the same).
		return 0, nil
	}
	return 0, os.NewSyscallError("io_uring_enter", errno)
}

// wait submits what is queued, runs deferred completions and waits up to
// timeoutMs for at least one completion: 0 does not wait, -1 waits without
// a limit.
func (r *ring) wait(timeoutMs int) error {
	switch {
	case timeoutMs == 0:
		_, err := r.enter(enterGetEvents, 0, nil)
		return err
	case timeoutMs < 0:
		_, err := r.enter(enterGetEvents, 1, nil)
		return err
	}
	ts := unix.NsecToTimespec(int64(timeoutMs) * 1e6)
	_, err := r.enter(enterGetEvents, 1, &ts)
	return err
}

// completions returns the completion ring's unread range [head, tail).
func (r *ring) completions() (head, tail uint32) {
	return *r.cqHead, atomic.LoadUint32(r.cqTail)
}

// cqeAt returns the completion at position i of the range.
func (r *ring) cqeAt(i uint32) *cqe { return &r.cqes[i&r.cqMask] }

// consumed gives the completions up to tail back to the kernel.
func (r *ring) consumed(tail uint32) { atomic.StoreUint32(r.cqHead, tail) }

// register calls io_uring_register.
func (r *ring) register(op uintptr, arg unsafe.Pointer, n uintptr) error {
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), op, uintptr(arg), n, 0, 0)
	if errno != 0 {
		return os.NewSyscallError("io_uring_register", errno)
	}
	return nil
}

// enable starts a ring set up with IORING_SETUP_R_DISABLED; with
// IORING_SETUP_SINGLE_ISSUER, the calling thread becomes the only one that
// may submit to it.
func (r *ring) enable() error { return r.register(registerEnableRings, nil, 0) }

// registerSparseFiles makes a table of n empty fixed-file slots, for
// descriptors that exist only inside the ring (IORING_OP_OPENAT2 with a
// file_index).
func (r *ring) registerSparseFiles(n uint32) error {
	reg := struct {
		nr, flags  uint32
		_          uint64
		data, tags uint64
	}{nr: n, flags: rsrcRegisterSparse}
	return r.register(registerFiles2, unsafe.Pointer(&reg), unsafe.Sizeof(reg))
}

// limitWorkers bounds the kernel's worker threads for blocking file work
// (io-wq's bounded workers) to n, leaving the unbounded ones as they are.
func (r *ring) limitWorkers(n uint32) error {
	counts := [2]uint32{n, 0}
	return r.register(registerIOWQMaxWorkers, unsafe.Pointer(&counts), 2)
}

// missingOpcode returns the name of the first opcode of ops the kernel
// does not support, or "" if it supports them all.
func (r *ring) missingOpcode(ops map[uint8]string) (string, error) {
	var probe [ioringProbeHeaderLength + ioringProbeOps*8]byte
	if err := r.register(registerProbe, unsafe.Pointer(&probe[0]), ioringProbeOps); err != nil {
		return "", err
	}
	lastOp := probe[0]
	for op, name := range ops {
		flags := uint16(probe[ioringProbeHeaderLength+int(op)*8+2]) | uint16(probe[ioringProbeHeaderLength+int(op)*8+3])<<8
		if op > lastOp || flags&ioringOpProbeSupported == 0 {
			return name, nil
		}
	}
	return "", nil
}

// close unmaps the rings and closes the ring's descriptor; the kernel then
// cancels whatever is still in flight.
func (r *ring) close() {
	for _, b := range r.mem {
		_ = unix.Munmap(b)
	}
	r.mem = nil
	if r.fd >= 0 {
		unix.Close(r.fd)
		r.fd = -1
	}
}

// bufRing is a ring of provided buffers (IORING_REGISTER_PBUF_RING): the
// kernel picks one for each receive as data arrives, so a connection holds
// no buffer while it waits, and the loop gives each back once it has used
// the data.
type bufRing struct {
	ring  []byte // the entries, struct io_uring_buf (16 bytes each); the tail overlays entry 0
	bufs  []byte // count buffers of size bytes
	size  int
	mask  uint16
	tail  uint16 // the next entry to fill; published by publish
	group uint16
}

// newBufRing registers count buffers of size bytes (count a power of two)
// as buffer group group of r, and provides all of them.
func newBufRing(r *ring, group uint16, count, size int) (*bufRing, error) {
	entries, err := unix.Mmap(-1, 0, count*16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	bufs, err := unix.Mmap(-1, 0, count*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		_ = unix.Munmap(entries)
		return nil, os.NewSyscallError("mmap", err)
	}
	b := &bufRing{ring: entries, bufs: bufs, size: size, mask: uint16(count - 1), group: group}
	reg := struct {
		ringAddr    uint64
		ringEntries uint32
		bgid, flags uint16
		minLeft     uint32
		_           [5]uint32
	}{ringAddr: uint64(uintptr(unsafe.Pointer(&entries[0]))), ringEntries: uint32(count), bgid: group}
	if err := r.register(registerPbufRing, unsafe.Pointer(&reg), 1); err != nil {
		b.unmap()
		return nil, fmt.Errorf("registering %d receive buffers: %w", count, err)
	}
	for bid := range count {
		b.provide(uint16(bid))
	}
	b.publish()
	return b, nil
}

// provide queues buffer bid for the kernel; publish makes it visible.
func (b *bufRing) provide(bid uint16) {
	e := b.tail & b.mask
	p := b.ring[int(e)*16:]
	*(*uint64)(unsafe.Pointer(&p[0])) = uint64(uintptr(unsafe.Pointer(&b.bufs[int(bid)*b.size])))
	*(*uint32)(unsafe.Pointer(&p[8])) = uint32(b.size)
	*(*uint16)(unsafe.Pointer(&p[12])) = bid // entry 0's shares a word with the tail: see publish
	b.tail++
}

// publish stores the tail, with release order, so the kernel sees every
// buffer provided before it. The tail is the upper half of the word whose
// lower half is entry 0's bid (sync/atomic has no 16-bit store): the word
// is stored whole, with entry 0's bid as only the loop ever writes it.
func (b *bufRing) publish() {
	word := (*uint32)(unsafe.Pointer(&b.ring[12]))
	bid0 := uint32(*(*uint16)(unsafe.Pointer(&b.ring[12])))
	atomic.StoreUint32(word, bid0|uint32(b.tail)<<16)
}

// data returns the n bytes the kernel received into buffer bid.
func (b *bufRing) data(bid uint16, n int) []byte {
	off := int(bid) * b.size
	return b.bufs[off : off+n : off+n]
}

// unregister takes the buffers back from r.
func (b *bufRing) unregister(r *ring) {
	reg := struct {
		ringAddr    uint64
		ringEntries uint32
		bgid, flags uint16
		_           [6]uint32
	}{bgid: b.group}
	_ = r.register(unregisterPbufRing, unsafe.Pointer(&reg), 1)
}

// unmap releases the buffers' memory; call it only once no request can use
// them (after unregister, or with the ring closed and drained).
func (b *bufRing) unmap() {
	_ = unix.Munmap(b.ring)
	_ = unix.Munmap(b.bufs)
}

// ringFlags are the loop's setup flags: one thread submits
// (SINGLE_ISSUER), completions run only when that thread enters the kernel
// to ask for them (DEFER_TASKRUN: no interrupting the loop mid-callback, and
// the batching the backend is for), a bad SQE fails alone (SUBMIT_ALL), and
// the ring starts disabled, so the loop's own thread, not the one that
// created it, becomes its single issuer by enabling it.
const ringFlags = setupSingleIssuer | setupDeferTaskrun | setupSubmitAll | setupRDisabled
