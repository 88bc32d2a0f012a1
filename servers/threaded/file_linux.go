package threaded

import (
	"errors"
	"os"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dataDir is the directory /file reads from, held open as a descriptor.
// A read is openat(2) on it, read(2) calls into the connection's scratch
// buffer and close(2), all blocking this thread, with the name in a
// buffer of the connection's: nothing is allocated. os.Root allocates a
// File (with its cleanup) and a FileInfo per request, and with hundreds of
// scheduler slots the collections that follow stall a share of the
// connection threads for longer than a window (see the package doc).
type dataDir struct {
	fd  int
	err error
}

func openDataDir(dir string) dataDir {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return dataDir{fd: -1, err: &os.PathError{Op: "open", Path: dir, Err: err}}
	}
	return dataDir{fd: fd}
}

// read reads name into buf[:0], keeping the NUL-terminated name in *path.
// app.Handle has validated name as a plain name, and O_NOFOLLOW refuses a
// symbolic link, so no read leaves the directory (a link, even to a file
// inside it, is an error, as in the node model).
func (d dataDir) read(name string, path *[]byte, buf []byte) ([]byte, error) {
	buf = buf[:0]
	if d.err != nil {
		return buf, d.err
	}
	p := append(append((*path)[:0], name...), 0)
	*path = p
	var fd uintptr
	for {
		r, _, errno := unix.Syscall6(unix.SYS_OPENAT, uintptr(d.fd), uintptr(unsafe.Pointer(&p[0])),
			unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return buf, &os.PathError{Op: "open", Path: name, Err: errno}
		}
		fd = r
		break
	}
	defer unix.Close(int(fd))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(4<<10, cap(buf)))
		}
		n, err := unix.Read(int(fd), buf[len(buf):cap(buf)])
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return buf, &os.PathError{Op: "read", Path: name, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func (d dataDir) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
	}
}
