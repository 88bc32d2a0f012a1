package backend

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"loopbench/app"
)

// makeFIFO makes a FIFO at path (replacing one a killed backend left) and
// opens it for reading and writing without blocking: holding the write side
// too keeps a read from ever seeing end of file, so the goroutine waits on
// the netpoller between writers instead of spinning on EOF, and a model's
// open for writing finds a reader. Its pipe buffer is shrunk to one page
// (the least the kernel gives), so a block of app.FIFOBlock fills it and
// the writer blocks.
func makeFIFO(path string) (*os.File, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := unix.Mkfifo(path, 0o600); err != nil {
		return nil, &os.PathError{Op: "mkfifo", Path: path, Err: err}
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if err := shrinkPipe(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// shrinkPipe sets f's pipe buffer to one page and checks that a block is
// more than twice what the pipe holds, so that the write of a block stays
// blocked after the header has been read.
func shrinkPipe(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	size := 0
	cerr := rc.Control(func(fd uintptr) {
		size, err = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, os.Getpagesize())
	})
	switch {
	case cerr != nil:
		return cerr
	case err != nil:
		return &os.PathError{Op: "fcntl F_SETPIPE_SZ", Path: f.Name(), Err: err}
	case 2*size > app.FIFOBlock:
		return fmt.Errorf("%s: the pipe holds %d bytes at least (the page size), more than half a /fifo block of %d: the FIFO wait cannot work on this host", f.Name(), size, app.FIFOBlock)
	}
	return nil
}

// lockDir takes an exclusive lock on a file in dir, so a second backend
// given the same data directory fails at once rather than replacing the
// first one's FIFOs under its writers.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("backend: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("backend: another backend serves the FIFOs of %s (stop it, or give this one another --data)", dir)
		}
		return nil, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
	return f, nil
}
