package app

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
)

// The FIFO protocol between a model and the backend, behind GET /fifo?ms=N:
// a blocking wait that uses no CPU, runs on a thread pool as libuv runs it,
// and holds that pool's thread for the whole wait.
//
// The backend makes FIFOSlots FIFOs, FIFODir(dataDir)/0 … /511, each shrunk
// to one page (4 KiB) of pipe buffer, and holds each open for reading.
// A model serving /fifo?ms=N takes a slot no other request of its process
// holds, and writes one block of FIFOBlock bytes to that slot's FIFO in a
// single blocking write(2): the block begins with the delay as the upstream
// protocol writes a request ("20\n", AppendUpstreamRequest) and is zeros to
// its end. The first page fills the pipe, so the write blocks. The backend
// reads the header (a few bytes, which frees no page), waits N ms from
// then, and only then drains the block, which lets the write finish. So:
//
//   - The wait starts when the pool thread starts its write, not when the
//     request was queued: a request queued behind busy threads waits in the
//     queue first, then for its N ms, and the pool bounds the throughput at
//     pool size ÷ wait. (A read of an answer the backend writes N ms after
//     a request line would not: in node, the request and the read are two
//     pool jobs, so a read queued behind others finds its answer already
//     there, and every queued wait overlaps.)
//   - It is a wait node's own pool runs: fs.write on a descriptor of a FIFO
//     is uv_fs_write, one write(2) on a libuv worker thread, blocked in the
//     kernel until the backend drains the pipe. No CPU is used while it
//     waits; moving the block costs a few microseconds of copying.
//   - Requests never take each other's answers: a slot has one writer at a
//     time, and a block is not an answer but the writer's own bytes.
//   - A writer never blocks for ever: the backend drains every block N ms
//     (at most MaxMillis) after its header arrives; if the backend is gone,
//     opening the FIFO fails (ENXIO without a reader, ENOENT without the
//     file) and a write under way fails with EPIPE. A model answers 502
//     then, and 503 when all its slots are taken.
//   - Nothing spins: the backend waits on its descriptors and a timer, and
//     a block whose writer died part way through (zeros) is told from the
//     next block's header (a digit) when that arrives.
const (
	// FIFOSlots is the number of FIFOs, and so the most /fifo requests one
	// server process can have waiting at once; a workload keeps its
	// connections (times its pipeline depth) at or below it.
	FIFOSlots = 512
	// FIFOBlock is the size of one request's block: four pages, so that it
	// stays blocked with a pipe buffer of up to half of it.
	FIFOBlock = 16 << 10
	// fifoDirName is the subdirectory of the data directory that holds the
	// FIFOs; /file cannot reach it, since its names hold no separator.
	fifoDirName = "fifo"
)

// ErrFIFOBusy fails a /fifo request that found every slot taken; it is
// answered 503.
var ErrFIFOBusy = errors.New("fifo: every slot is taken")

// FIFODir is the directory in which the backend makes its FIFOs, inside
// the data directory the server and the backend are both given.
func FIFODir(dataDir string) string { return filepath.Join(dataDir, fifoDirName) }

// FIFOPath is the path of slot's FIFO.
func FIFOPath(dataDir string, slot int) string {
	return filepath.Join(dataDir, fifoDirName, strconv.Itoa(slot))
}

// AppendFIFOBlock appends the block asking for a wait of ms: the upstream
// request line, then zeros up to FIFOBlock bytes.
func AppendFIFOBlock(dst []byte, ms int) []byte {
	start := len(dst)
	dst = AppendUpstreamRequest(dst, ms)
	pad := FIFOBlock - (len(dst) - start)
	dst = slices.Grow(dst, pad)
	tail := dst[len(dst) : len(dst)+pad]
	clear(tail)
	return dst[:len(dst)+pad]
}

// AppendFIFOBody appends the body of /fifo?ms=N: "fifo N ms".
func AppendFIFOBody(dst []byte, ms int) []byte {
	dst = append(dst, "fifo "...)
	dst = strconv.AppendInt(dst, int64(ms), 10)
	return append(dst, " ms"...)
}
