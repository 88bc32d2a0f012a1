package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Of returns the group that process pid runs in, for reading only, if that
// group holds pid alone: a group shared with other processes (the host's
// root group, a container's) would charge their CPU and memory to it. The
// group is not this process's to remove, so Remove leaves it in place.
// `loopbench sample` reads a remote server's figures this way, from the
// group `loopbench supervise` made for it.
func Of(pid int) (*Group, error) {
	mounts, err := readMounts("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	own, err := readOwn("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var g *Group
	if root := mounts2(mounts); root != "" && own[""] != "" && own[""] != "/" {
		g = &Group{Layout: "v2", v2: filepath.Join(root, own[""])}
	} else if cpu, mem := mounts1(mounts, "cpuacct"), mounts1(mounts, "memory"); cpu != "" && mem != "" {
		g = &Group{Layout: "v1", cpu: filepath.Join(cpu, own["cpuacct"]), mem: filepath.Join(mem, own["memory"])}
	} else {
		return nil, fmt.Errorf("%w: process %d is in no cpu and memory group of its own", ErrUnavailable, pid)
	}
	for _, d := range g.procDirs() {
		if err := alone(d, pid); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// alone checks that dir's cgroup.procs lists pid and no other process.
func alone(dir string, pid int) error {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	procs := strings.Fields(string(b))
	if len(procs) != 1 || procs[0] != strconv.Itoa(pid) {
		return fmt.Errorf("%w: %s holds %d processes, not process %d alone", ErrUnavailable, dir, len(procs), pid)
	}
	return nil
}
