// Package cgroup gives a measured process a control group of its own and
// reads what the kernel charges to it: CPU time at nanosecond resolution
// (against /proc's 10 ms ticks) and memory with the kernel's share (thread
// stacks, page tables, slab, socket buffers) that a process's RSS leaves out.
//
// Both layouts are read. cgroup v2 (one unified tree) is used when its cpu
// and memory controllers can be enabled for a child group; otherwise cgroup
// v1's cpuacct and memory hierarchies, as on hosts that still mount them.
// Where neither can be used (not root, no delegation), Create says why, and
// the caller falls back to /proc and records the reason.
package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Usage is what the kernel charged to a group, read at one instant.
type Usage struct {
	// CPU is the group's total CPU time; User and System split it where the
	// layout says so (zero where it does not).
	CPU, User, System time.Duration
	// Memory is the memory charged to the group without the page cache:
	// Anon plus Kernel plus Sock.
	Memory int64
	// Anon is anonymous user memory (heaps, stacks of user space).
	Anon int64
	// Kernel is kernel memory charged to the group (v1 kmem, v2 kernel);
	// KernelStack, PageTables and Slab are parts of it where exposed.
	Kernel, KernelStack, PageTables, Slab int64
	// Sock is socket buffer memory: v2's sock, v1's kmem.tcp (counted apart
	// from kmem in v1).
	Sock int64
	// Peak is the group's peak charge as the kernel kept it (v1
	// max_usage_in_bytes, v2 memory.peak; it includes the page cache), 0
	// where not exposed.
	Peak int64
}

// Group is one control group that this process created.
type Group struct {
	// Layout is "v2" or "v1".
	Layout string
	dirs   []string // every directory created, removed by Remove
	v2     string   // the v2 group's directory
	cpu    string   // v1 cpuacct directory
	mem    string   // v1 memory directory
}

// ErrUnavailable wraps every reason no group could be made.
var ErrUnavailable = errors.New("cgroups unavailable")

// Create makes a group named name (unique on the host: include the PID of
// this process) beside the groups this process belongs to.
func Create(name string) (*Group, error) {
	mounts, err := readMounts("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	own, err := readOwn("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	g, errV2 := createV2(mounts, own, name)
	if errV2 == nil {
		return g, nil
	}
	g, errV1 := createV1(mounts, own, name)
	if errV1 == nil {
		return g, nil
	}
	return nil, fmt.Errorf("%w: v2: %v; v1: %v", ErrUnavailable, errV2, errV1)
}

// Add moves the process pid (all its threads) into the group.
func (g *Group) Add(pid int) error {
	for _, d := range g.procDirs() {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("cgroup: moving %d into %s: %w", pid, d, err)
		}
	}
	return nil
}

// Wrap returns argv run so that the process joins the group before its
// program starts: a shell writes its own PID into the group, then execs
// argv in place (as cgexec does). Memory is charged to the group that was
// current when it was first touched, so a process moved in later (Add)
// leaves its start-up memory with its old group; a wrapped one does not.
func (g *Group) Wrap(argv []string) []string {
	script := `for f in "$0" "$1"; do [ -z "$f" ] || echo $$ > "$f" || exit 125; done; shift; exec "$@"`
	procs := []string{"", ""}
	for i, d := range g.procDirs() {
		procs[i] = filepath.Join(d, "cgroup.procs")
	}
	return append([]string{"/bin/sh", "-c", script, procs[0], procs[1]}, argv...)
}

// Read returns what the kernel has charged to the group so far.
func (g *Group) Read() (Usage, error) {
	if g.Layout == "v2" {
		return readV2(g.v2)
	}
	return readV1(g.cpu, g.mem)
}

// Dirs returns the group's directories, for the record.
func (g *Group) Dirs() []string { return g.procDirs() }

// Remove deletes the group; its processes must have exited. It waits a
// little for the kernel to release a group whose last task just ended.
func (g *Group) Remove() error {
	var errs []error
	for i := len(g.dirs) - 1; i >= 0; i-- {
		var err error
		for try := 0; try < 50; try++ {
			if err = os.Remove(g.dirs[i]); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cgroup: removing %s: %w", g.dirs[i], err))
		}
	}
	return errors.Join(errs...)
}

func (g *Group) procDirs() []string {
	if g.Layout == "v2" {
		return []string{g.v2}
	}
	return []string{g.cpu, g.mem}
}

// createV2 makes name beside this process's v2 group, under its parent, with
// the cpu and memory controllers enabled there.
func createV2(mounts []mount, own map[string]string, name string) (*Group, error) {
	root := mounts2(mounts)
	if root == "" {
		return nil, errors.New("no cgroup2 mount")
	}
	parent := filepath.Join(root, own[""])
	avail, err := os.ReadFile(filepath.Join(parent, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"cpu", "memory"} {
		if !hasWord(string(avail), c) {
			return nil, fmt.Errorf("controller %s not available in %s (it has %q)", c, parent, strings.TrimSpace(string(avail)))
		}
	}
	if err := os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+cpu +memory"), 0); err != nil {
		return nil, fmt.Errorf("enabling cpu and memory in %s: %w", parent, err)
	}
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	return &Group{Layout: "v2", v2: dir, dirs: []string{dir}}, nil
}

// createV1 makes name in the cpuacct and memory hierarchies, beside this
// process's own groups there.
func createV1(mounts []mount, own map[string]string, name string) (*Group, error) {
	g := &Group{Layout: "v1"}
	for _, ctl := range []string{"cpuacct", "memory"} {
		root := mounts1(mounts, ctl)
		if root == "" {
			return nil, fmt.Errorf("no v1 %s hierarchy mounted", ctl)
		}
		dir := filepath.Join(root, own[ctl], name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			g.Remove()
			return nil, err
		}
		g.dirs = append(g.dirs, dir)
		if ctl == "cpuacct" {
			g.cpu = dir
		} else {
			g.mem = dir
		}
	}
	// v1 counts socket buffers against a group only once a TCP limit has
	// been written to it; the largest limit changes nothing else.
	os.WriteFile(filepath.Join(g.mem, "memory.kmem.tcp.limit_in_bytes"), []byte("-1"), 0)
	return g, nil
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}
