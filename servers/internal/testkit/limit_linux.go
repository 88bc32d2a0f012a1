package testkit

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LimitDescriptors lowers RLIMIT_NOFILE of this process and of its child
// processes (a model served by another program: node) so that each has room
// for exactly room more descriptors, and the accept after those fails with
// EMFILE. restore puts the old limits back.
func LimitDescriptors(room int) (restore func() error, err error) {
	pids, err := processes()
	if err != nil {
		return nil, err
	}
	var undo []func() error
	restore = func() error {
		var errs []error
		for _, u := range undo {
			errs = append(errs, u())
		}
		return errors.Join(errs...)
	}
	for _, pid := range pids {
		u, err := limit(pid, room)
		if err != nil {
			return nil, errors.Join(err, restore())
		}
		undo = append(undo, u)
	}
	return restore, nil
}

// processes returns this process (0 for prlimit) and its children.
func processes() ([]int, error) {
	files, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		return nil, err
	}
	pids := []int{0}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, field := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(field)
			if err != nil {
				return nil, err
			}
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// limit lowers the soft descriptor limit of pid (0: this process).
func limit(pid, room int) (restore func() error, err error) {
	dir := "/proc/self/fd"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid) + "/fd"
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var open []int
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			open = append(open, fd)
		}
	}
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		return nil, os.NewSyscallError("prlimit", err)
	}
	low := unix.Rlimit{Cur: uint64(limitFor(open, room)), Max: old.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
		return nil, os.NewSyscallError("prlimit", err)
	}
	return func() error { return os.NewSyscallError("prlimit", unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil)) }, nil
}

// limitFor returns the smallest descriptor limit that leaves exactly room
// descriptor numbers free below it, given the open ones: the kernel hands
// out the lowest free number, and none at or above the limit.
func limitFor(open []int, room int) int {
	slices.Sort(open)
	free, next := 0, 0
	for _, fd := range open {
		if free+fd-next >= room {
			break
		}
		free += max(fd-next, 0)
		next = max(next, fd+1)
	}
	return next + room - free
}
