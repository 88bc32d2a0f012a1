package cgroup

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// mount is one cgroup filesystem from /proc/self/mountinfo.
type mount struct {
	dir     string   // where it is mounted
	fstype  string   // "cgroup" or "cgroup2"
	options []string // super options: the v1 controllers
}

// readMounts lists the cgroup mounts in a mountinfo file.
func readMounts(path string) ([]mount, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ms []mount
	for _, line := range strings.Split(string(b), "\n") {
		// "id parent maj:min root mountpoint opts ... - fstype source superopts"
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		left, right := strings.Fields(pre), strings.Fields(post)
		if len(left) < 5 || len(right) < 3 || !strings.HasPrefix(right[0], "cgroup") {
			continue
		}
		ms = append(ms, mount{dir: left[4], fstype: right[0], options: strings.Split(right[2], ",")})
	}
	return ms, nil
}

// mounts2 returns where the cgroup2 tree is mounted, or "".
func mounts2(ms []mount) string {
	for _, m := range ms {
		if m.fstype == "cgroup2" {
			return m.dir
		}
	}
	return ""
}

// mounts1 returns where the v1 hierarchy of controller ctl is mounted, or "".
func mounts1(ms []mount, ctl string) string {
	for _, m := range ms {
		if m.fstype != "cgroup" {
			continue
		}
		for _, o := range m.options {
			if o == ctl {
				return m.dir
			}
		}
	}
	return ""
}

// readOwn reads /proc/PID/cgroup: each controller's group path, "" keyed
// for the v2 tree ("0::/path").
func readOwn(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	own := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			own[""] = parts[2]
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			own[ctl] = parts[2]
		}
	}
	return own, nil
}

// readV2 reads a v2 group's cpu.stat, memory.stat and memory.peak.
func readV2(dir string) (Usage, error) {
	cpu, err := readKeyed(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return Usage{}, err
	}
	mem, err := readKeyed(filepath.Join(dir, "memory.stat"))
	if err != nil {
		return Usage{}, err
	}
	us := func(k string) time.Duration { return time.Duration(cpu[k]) * time.Microsecond }
	u := Usage{
		CPU: us("usage_usec"), User: us("user_usec"), System: us("system_usec"),
		Anon: mem["anon"], KernelStack: mem["kernel_stack"], PageTables: mem["pagetables"],
		Slab: mem["slab"], Sock: mem["sock"],
	}
	if k, ok := mem["kernel"]; ok {
		u.Kernel = k
	} else { // kernels before 5.18 give only the parts
		u.Kernel = u.KernelStack + u.PageTables + u.Slab + mem["percpu"]
	}
	u.Memory = u.Anon + u.Kernel + u.Sock
	u.Peak, _ = readInt(filepath.Join(dir, "memory.peak")) // 5.19 and later
	return u, nil
}

// readV1 reads a v1 group's cpuacct and memory counters.
func readV1(cpuDir, memDir string) (Usage, error) {
	var u Usage
	ns := func(name string) (time.Duration, error) {
		v, err := readInt(filepath.Join(cpuDir, name))
		return time.Duration(v), err
	}
	var err error
	if u.CPU, err = ns("cpuacct.usage"); err != nil {
		return Usage{}, err
	}
	u.User, _ = ns("cpuacct.usage_user")
	u.System, _ = ns("cpuacct.usage_sys")
	mem, err := readKeyed(filepath.Join(memDir, "memory.stat"))
	if err != nil {
		return Usage{}, err
	}
	u.Anon = mem["rss"]
	if u.Kernel, err = readInt(filepath.Join(memDir, "memory.kmem.usage_in_bytes")); err != nil {
		return Usage{}, err
	}
	u.Sock, _ = readInt(filepath.Join(memDir, "memory.kmem.tcp.usage_in_bytes"))
	u.Memory = u.Anon + u.Kernel + u.Sock
	u.Peak, _ = readInt(filepath.Join(memDir, "memory.max_usage_in_bytes"))
	return u, nil
}

// readKeyed reads a "key value" per line file such as memory.stat.
func readKeyed(path string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		m[k] = n
	}
	return m, nil
}

// readInt reads a file holding one integer.
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}
