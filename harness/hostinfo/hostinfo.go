// Package hostinfo describes the machine it runs on, in the terms that make
// two benchmark hosts comparable: the CPU and its layout, memory, kernel,
// virtualisation and the DMI product name (a cloud instance type), the
// frequency governor and transparent huge pages, the network interface the
// benchmark's traffic crosses (driver, MTU, offloads), TCP congestion
// control and the sysctls that bound connections. `loopbench describe`
// prints it, so a run reads every remote host through its transport.
package hostinfo

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"loopbench/harness/results"
)

// Sysctls are the kernel settings that bound a server's connections.
var Sysctls = []string{
	"net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.ip_local_port_range",
	"fs.file-max", "fs.nr_open", "net.ipv4.tcp_tw_reuse", "net.core.netdev_max_backlog",
}

// Describe describes this host. addr, if not empty, is an IP address that
// picks the interface described: the one holding it (a server's address) or
// the one the route to it leaves by (a client's view of the server); else
// the interface of the default route.
func Describe(addr string) results.Host {
	hostname, _ := os.Hostname()
	h := results.Host{
		Hostname:          hostname,
		Kernel:            readTrim("/proc/sys/kernel/osrelease"),
		CPUModel:          CPUModel(),
		Cores:             OnlineCPUs(),
		ThreadsPerCore:    ThreadsPerCore(),
		NUMANodes:         results.CPUCount(readTrim("/sys/devices/system/node/online")),
		MemoryBytes:       MemTotal(),
		Governor:          readTrim("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
		THP:               Bracketed(readTrim("/sys/kernel/mm/transparent_hugepage/enabled")),
		CongestionControl: readTrim("/proc/sys/net/ipv4/tcp_congestion_control"),
		Sysctls:           ReadSysctls(),
	}
	h.Virtualization, h.Product = Virtualization(), Product()
	if h.Product == "" {
		h.Notes = append(h.Notes, "no DMI product name (/sys/class/dmi/id is absent, as in many containers and microVMs)")
	}
	nic, notes := describeNIC(addr)
	h.NIC, h.Notes = nic, append(h.Notes, notes...)
	return h
}

// ReadSysctls reads the values of Sysctls, spaces normalised.
func ReadSysctls() map[string]string {
	m := map[string]string{}
	for _, k := range Sysctls {
		if v := readTrim("/proc/sys/" + strings.ReplaceAll(k, ".", "/")); v != "" {
			m[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return m
}

// Bracketed picks the chosen word of a sysfs choice list: "always [madvise] never".
func Bracketed(s string) string {
	if _, rest, ok := strings.Cut(s, "["); ok {
		v, _, _ := strings.Cut(rest, "]")
		return v
	}
	return s
}

// Virtualization says whether the kernel runs under a hypervisor (the
// "hypervisor" CPU flag) and, where the kernel or DMI tells, which one.
func Virtualization() string {
	if !strings.Contains(readTrim("/proc/cpuinfo"), " hypervisor") {
		return "none"
	}
	if p := Product(); p != "" {
		return p
	}
	if t := readTrim("/sys/hypervisor/type"); t != "" {
		return t + " (no DMI)"
	}
	return "present (no DMI)"
}

// Product is DMI's system vendor and product name, "" without DMI.
func Product() string {
	return strings.TrimSpace(readTrim("/sys/class/dmi/id/sys_vendor") + " " + readTrim("/sys/class/dmi/id/product_name"))
}

// ThreadsPerCore reads the SMT layout from CPU 0's sibling list.
func ThreadsPerCore() int {
	return results.CPUCount(readTrim("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list"))
}

// CPUModel is /proc/cpuinfo's first model name.
func CPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// OnlineCPUs counts the host's online CPUs (not only those this process may use).
func OnlineCPUs() int {
	if n := results.CPUCount(readTrim("/sys/devices/system/cpu/online")); n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// MemTotal is the host's memory in bytes.
func MemTotal() int64 {
	b, _ := os.ReadFile("/proc/meminfo")
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if v, ok := bytes.CutPrefix(line, []byte("MemTotal:")); ok {
			if f := bytes.Fields(v); len(f) > 0 {
				n, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// output runs a short command and returns its output, "" on failure.
func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(out)
}
