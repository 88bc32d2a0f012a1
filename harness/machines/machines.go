// Package machines describes the machines of a run for its readers: the
// machines it measured on and the part each played, a host in one line,
// hosts side by side field by field, and the fields in which two differ.
// The report (of one run or of two) and compare show them alike.
package machines

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"loopbench/harness/figures"
	"loopbench/harness/results"
)

// OneMachine is the role of the machine of a run on one machine, which ran
// the servers and the load generator both.
const OneMachine = "server and load generator"

// Of lists the machines a run measured on, each with the part it played:
// Env.Hosts for a run over remote hosts; for a run on one machine, that
// machine as Env describes it, in the role OneMachine.
func Of(env results.Env) []results.Host {
	if len(env.Hosts) > 0 {
		return env.Hosts
	}
	h := env.Machine()
	h.Role = OneMachine
	return []results.Host{h}
}

// Server is the machine a run's servers ran on: the host in the role
// "server", or the one machine of a run on one machine.
func Server(env results.Env) results.Host {
	ms := Of(env)
	for _, h := range ms {
		if h.Role == "server" {
			return h
		}
	}
	return ms[0]
}

// HostName is how a report names a host: the name the run reached it by,
// with its own hostname where that differs ("10.0.0.5 (vm-b)").
func HostName(h results.Host) string {
	switch {
	case h.Name == "" || h.Name == h.Hostname:
		return or(h.Hostname, "unnamed")
	case h.Hostname == "":
		return h.Name
	}
	return h.Name + " (" + h.Hostname + ")"
}

// RoleName writes a host's part in words: "load generator 1/2" for
// "client 1/2".
func RoleName(role string) string {
	switch r, share, _ := strings.Cut(role, " "); r {
	case "client":
		return strings.TrimSpace("load generator " + share)
	case "coordinator":
		return "coordinator (ran `loopbench run`, no load)"
	}
	return role
}

// Placement says in a line which host ran what: "servers on 10.0.0.5
// (vm-b); load from local (vm-a)", or "servers and load generator on vm".
func Placement(env results.Env) string {
	if len(env.Hosts) == 0 {
		return "servers and load generator on " + or(env.Host, "one unnamed machine")
	}
	var server, load, coord []string
	for _, h := range env.Hosts {
		switch r, _, _ := strings.Cut(h.Role, " "); r {
		case "server":
			server = append(server, HostName(h))
		case "client":
			load = append(load, HostName(h))
		default:
			coord = append(coord, HostName(h))
		}
	}
	s := "servers on " + or(strings.Join(server, ", "), "an undescribed host") + "; load from " + or(strings.Join(load, ", "), "an undescribed host")
	if len(coord) > 0 {
		s += "; coordinated from " + strings.Join(coord, ", ")
	}
	return s
}

// Row is one line of machines set side by side: a description field and
// its value on each machine ("–" where one lacks it).
type Row struct {
	Label  string
	Values []string
}

// field is one line of a host's description.
type field struct {
	label string
	value func(h *results.Host) string
}

// fields are the lines of a description, in the order they are shown.
var fields = []field{
	{"role", func(h *results.Host) string { return RoleName(h.Role) }},
	{"host", func(h *results.Host) string { return HostName(*h) }},
	{"CPU", func(h *results.Host) string { return h.CPUModel }},
	{"cores", func(h *results.Host) string { return count(h.Cores) }},
	{"threads per core", func(h *results.Host) string { return count(h.ThreadsPerCore) }},
	{"NUMA nodes", func(h *results.Host) string { return count(h.NUMANodes) }},
	{"memory", func(h *results.Host) string { return gib(h.MemoryBytes) }},
	{"kernel", func(h *results.Host) string { return h.Kernel }},
	{"virtualisation", func(h *results.Host) string { return h.Virtualization }},
	{"DMI product", func(h *results.Host) string { return h.Product }},
	{"CPU governor", func(h *results.Host) string { return h.Governor }},
	{"transparent huge pages", func(h *results.Host) string { return h.THP }},
	{"NIC", nic},
	{"NIC offloads", offloads},
	{"TCP congestion control", func(h *results.Host) string { return h.CongestionControl }},
	{"price per hour", price},
}

// SideBySide sets hosts side by side, one row per description field and
// one value per host, then one row per sysctl any of them recorded and,
// for hosts reached over a transport, their clock offsets. A field that no
// host has is left out.
func SideBySide(hosts []results.Host) []Row {
	fs := slices.Clone(fields)
	keys := map[string]bool{}
	for _, h := range hosts {
		for k := range h.Sysctls {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		fs = append(fs, field{"sysctl " + k, func(h *results.Host) string { return h.Sysctls[k] }})
	}
	fs = append(fs, field{"clock offset", clock})
	var out []Row
	for _, f := range fs {
		r := Row{Label: f.label}
		known := false
		for i := range hosts {
			v := f.value(&hosts[i])
			known = known || v != ""
			r.Values = append(r.Values, or(v, "–"))
		}
		if known {
			out = append(out, r)
		}
	}
	return out
}

// Differences names the description fields in which two machines differ
// (their roles and names aside), in SideBySide's order; a field that one
// of them did not record is no difference.
func Differences(a, b results.Host) []string {
	var out []string
	for _, r := range SideBySide([]results.Host{a, b}) {
		known := r.Values[0] != "–" && r.Values[1] != "–"
		if known && r.Label != "role" && r.Label != "host" && r.Label != "clock offset" && r.Values[0] != r.Values[1] {
			out = append(out, r.Label)
		}
	}
	return out
}

// Summary describes a host in one line, for a list of a run's hosts.
func Summary(h results.Host) string {
	parts := []string{or(h.CPUModel, "CPU unknown")}
	switch {
	case h.Cores > 0 && h.ThreadsPerCore > 0:
		parts = append(parts, fmt.Sprintf("%d CPUs (%s per core)", h.Cores, figures.Plural(h.ThreadsPerCore, "thread")))
	case h.Cores > 0:
		parts = append(parts, fmt.Sprintf("%d CPUs", h.Cores))
	}
	if m := gib(h.MemoryBytes); m != "" {
		parts = append(parts, m)
	}
	parts = append(parts, "kernel "+or(h.Kernel, "unknown"))
	if v := h.Virtualization; v != "" {
		parts = append(parts, "virtualisation "+v)
	}
	if h.Product != "" {
		parts = append(parts, h.Product)
	}
	if n := nic(&h); n != "" {
		parts = append(parts, "NIC "+n)
	}
	if h.CongestionControl != "" {
		parts = append(parts, h.CongestionControl)
	}
	if c := clock(&h); c != "" {
		parts = append(parts, "clock "+c)
	}
	return strings.Join(parts, ", ")
}

func nic(h *results.Host) string {
	n := h.NIC
	if n == nil {
		return ""
	}
	var about []string
	if n.Driver != "" {
		about = append(about, n.Driver)
	}
	if n.MTU > 0 {
		about = append(about, fmt.Sprintf("MTU %d", n.MTU))
	}
	if n.SpeedMbps > 0 {
		about = append(about, fmt.Sprintf("%d Mb/s", n.SpeedMbps))
	}
	if len(about) == 0 {
		return n.Name
	}
	return n.Name + " (" + strings.Join(about, ", ") + ")"
}

func offloads(h *results.Host) string {
	if h.NIC == nil {
		return ""
	}
	var on []string
	for _, k := range slices.Sorted(maps.Keys(h.NIC.Offloads)) {
		on = append(on, k+" "+h.NIC.Offloads[k])
	}
	return strings.Join(on, ", ")
}

// clock is a remote host's clock offset from the coordinator's, "" for the
// coordinator itself and a run on one machine.
func clock(h *results.Host) string {
	if h.Name == "local" || h.Role == OneMachine || (h.ClockOffset == 0 && h.ClockError == 0) {
		return ""
	}
	return fmt.Sprintf("%+.3g ms ± %.2g", h.ClockOffset, h.ClockError)
}

func count(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func gib(b int64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}

// or is s, or else when s is empty.
func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// price is a host's price per hour, where its description gives one.
func price(h *results.Host) string {
	if h.PricePerHour <= 0 {
		return ""
	}
	return strconv.FormatFloat(h.PricePerHour, 'f', -1, 64)
}
