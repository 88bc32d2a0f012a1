package app

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// The fixed PBKDF2 inputs of /cpu.
const (
	cpuPassword = "loopbench"
	cpuSalt     = "loopbench-salt"
	cpuKeyLen   = 32
)

// CPU performs the work of /cpu?iter=N: PBKDF2-HMAC-SHA256 of the fixed
// password and salt, N iterations, 32 bytes, returned as lowercase hex.
func CPU(iter int) []byte {
	key, err := pbkdf2.Key(sha256.New, cpuPassword, []byte(cpuSalt), iter, cpuKeyLen)
	if err != nil { // only for out-of-range arguments, which Handle refuses
		return nil
	}
	out := make([]byte, hex.EncodedLen(len(key)))
	hex.Encode(out, key)
	return out
}

// DataFile is one of the files /file serves.
type DataFile struct {
	Name string
	Size int
}

// DataFiles are the files WriteDataFiles creates.
var DataFiles = []DataFile{
	{"small.bin", 1 << 10},
	{"medium.bin", 64 << 10},
	{"large.bin", 1 << 20},
}

// DataContent returns the deterministic contents of a data file of the given
// size: the output of a fixed xorshift generator, so any client can check it.
func DataContent(size int) []byte {
	b := make([]byte, size)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 56)
	}
	return b
}

// WriteDataFiles writes DataFiles into dir, creating it if needed. Each file
// is written under a temporary name and renamed into place, so a server
// reading the directory while another process writes it never sees a partial file.
func WriteDataFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range DataFiles {
		if err := writeDataFile(dir, f); err != nil {
			return err
		}
	}
	return nil
}

// writeDataFile writes one data file into dir under a temporary name of
// its own, then renames it into place: two processes writing the files at
// once, or a server reading them meanwhile, never see half of one.
func writeDataFile(dir string, f DataFile) error {
	tmp, err := os.CreateTemp(dir, "."+f.Name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(DataContent(f.Size))
	if err := errors.Join(err, tmp.Chmod(0o644), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, f.Name))
}

// HasDataFiles reports whether dir holds every data file with its size, so a
// caller can skip rewriting them.
func HasDataFiles(dir string) bool {
	for _, f := range DataFiles {
		st, err := os.Stat(filepath.Join(dir, f.Name))
		if err != nil || !st.Mode().IsRegular() || st.Size() != int64(f.Size) {
			return false
		}
	}
	return true
}

// ReadFileInto reads name from root into buf[:0] and returns the extended
// buffer, so a server that keeps its buffers reads without allocating. It
// sizes buf once from the file's length (plus the byte that lets the last
// read see EOF) and otherwise grows it only when full.
func ReadFileInto(root *os.Root, name string, buf []byte) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	buf = buf[:0]
	if st, err := f.Stat(); err == nil && int(st.Size()) >= cap(buf) {
		buf = make([]byte, 0, st.Size()+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(4<<10, cap(buf)))
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// ReadFile performs the work of /file: it reads name, which Handle has
// validated as a plain name, from dir. The read goes through os.Root, so even
// a symbolic link cannot lead it out of dir.
func ReadFile(dir, name string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(name)
}

// The upstream protocol between a model and the backend is one line each way
// over a kept-alive TCP connection: the request is the delay in milliseconds,
// the reply the body that /upstream relays.
//
//	-> "5\n"
//	<- "upstream 5 ms\n"
//
// A connection carries one request at a time or pipelined requests, answered in order.
const maxUpstreamLine = 64

// ErrUpstreamProtocol is returned for a line that breaks the upstream protocol.
var ErrUpstreamProtocol = errors.New("upstream protocol: malformed line")

// AppendUpstreamRequest appends the request line asking for a delay of ms.
func AppendUpstreamRequest(dst []byte, ms int) []byte {
	dst = strconv.AppendInt(dst, int64(ms), 10)
	return append(dst, '\n')
}

// AppendUpstreamReply appends the backend's reply to a request for ms.
func AppendUpstreamReply(dst []byte, ms int) []byte {
	dst = append(dst, "upstream "...)
	dst = strconv.AppendInt(dst, int64(ms), 10)
	return append(dst, " ms\n"...)
}

// ParseUpstreamRequest reads one request line from buf: the bytes consumed
// (0 if the line is incomplete) and the delay it asks for.
func ParseUpstreamRequest(buf []byte) (n, ms int, err error) {
	line, n, err := upstreamLine(buf)
	if n == 0 || err != nil {
		return 0, 0, err
	}
	if len(line) == 0 || len(line) > 5 {
		return 0, 0, ErrUpstreamProtocol
	}
	for _, c := range line {
		if !isDigit(c) {
			return 0, 0, ErrUpstreamProtocol
		}
		ms = ms*10 + int(c-'0')
	}
	if ms > MaxMillis {
		return 0, 0, fmt.Errorf("%w: delay %d ms over %d", ErrUpstreamProtocol, ms, MaxMillis)
	}
	return n, ms, nil
}

// ParseUpstreamReply reads one reply line from buf: the bytes consumed (0 if
// the line is incomplete) and the body to relay, which aliases buf.
func ParseUpstreamReply(buf []byte) (n int, body []byte, err error) {
	line, n, err := upstreamLine(buf)
	if n == 0 || err != nil {
		return 0, nil, err
	}
	if !bytes.HasPrefix(line, []byte("upstream ")) {
		return 0, nil, ErrUpstreamProtocol
	}
	return n, line, nil
}

func upstreamLine(buf []byte) (line []byte, n int, err error) {
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		if len(buf) > maxUpstreamLine {
			return nil, 0, ErrUpstreamProtocol
		}
		return nil, 0, nil
	}
	if i > maxUpstreamLine {
		return nil, 0, ErrUpstreamProtocol
	}
	return buf[:i], i + 1, nil
}
