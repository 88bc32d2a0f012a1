package hostinfo

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"loopbench/harness/results"
)

// offloads are the ethtool features that change the cost of TCP, by the
// names `ethtool -k` prints.
var offloads = []string{
	"tcp-segmentation-offload", "generic-segmentation-offload", "generic-receive-offload",
	"large-receive-offload", "rx-checksumming", "tx-checksumming",
}

// describeNIC describes the interface that holds addr or routes to it.
func describeNIC(addr string) (*results.NIC, []string) {
	name, ip := pickInterface(net.ParseIP(addr))
	if name == "" {
		return nil, []string{fmt.Sprintf("no interface found for %q", addr)}
	}
	sys := "/sys/class/net/" + name
	nic := &results.NIC{Name: name, Addr: ip}
	nic.MTU, _ = strconv.Atoi(readTrim(sys + "/mtu"))
	if s, err := strconv.Atoi(readTrim(sys + "/speed")); err == nil && s > 0 {
		nic.SpeedMbps = s
	}
	if link, err := os.Readlink(sys + "/device/driver"); err == nil {
		nic.Driver = filepath.Base(link)
	}
	var notes []string
	if _, err := exec.LookPath("ethtool"); err != nil {
		if nic.Driver == "" {
			nic.Driver = linkKind(name)
		}
		return nic, append(notes, "ethtool is not installed: the NIC's offloads are not recorded")
	}
	nic.Offloads = readOffloads(name)
	if d := ethtoolDriver(name); d != "" {
		nic.Driver = d
	}
	return nic, notes
}

// pickInterface finds the interface holding ip, else the one the route to
// ip (or the default route) leaves by, and the address it has.
func pickInterface(ip net.IP) (name, addr string) {
	ifs, _ := net.Interfaces()
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && ip != nil && n.IP.Equal(ip) {
				return ifc.Name, n.IP.String()
			}
		}
	}
	name = routeTo(ip)
	if ifc, err := net.InterfaceByName(name); err == nil {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				return name, n.IP.String()
			}
		}
	}
	return name, ""
}

// routeTo is the interface of the most specific IPv4 route to ip in
// /proc/net/route (the default route when ip is nil or IPv6), or "".
func routeTo(ip net.IP) string {
	var target uint32
	if v4 := ip.To4(); v4 != nil {
		target = binary.BigEndian.Uint32(v4)
	}
	if ip.IsLoopback() {
		return "lo"
	}
	best, bestLen := "", -1
	b, _ := os.ReadFile("/proc/net/route")
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		dst, err1 := hex.DecodeString(f[1])
		mask, err2 := hex.DecodeString(f[7])
		if err1 != nil || err2 != nil || len(dst) != 4 || len(mask) != 4 {
			continue
		}
		d, m := binary.BigEndian.Uint32(dst), binary.BigEndian.Uint32(mask)
		// /proc/net/route prints the kernel's words in host order; on the
		// little-endian hosts Go runs on, reversing the bytes gives them.
		d, m = swap(d), swap(m)
		if target&m == d {
			if l := ones(m); l > bestLen {
				best, bestLen = f[0], l
			}
		}
	}
	return best
}

func swap(v uint32) uint32 {
	return v>>24 | (v>>8)&0xff00 | (v<<8)&0xff0000 | v<<24
}

func ones(m uint32) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// linkKind names a virtual interface's kind from `ip -d link` ("veth",
// "bridge"), or "virtual" when it has no device at all.
func linkKind(name string) string {
	out := strings.Fields(output("ip", "-d", "-o", "link", "show", "dev", name))
	for i, w := range out {
		if (w == "veth" || w == "bridge" || w == "vxlan" || w == "tun" || w == "macvlan" || w == "ipvlan") && i > 0 {
			return w
		}
	}
	if _, err := os.Stat("/sys/devices/virtual/net/" + name); err == nil {
		return "virtual"
	}
	return ""
}

// readOffloads reads `ethtool -k`.
func readOffloads(name string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(output("ethtool", "-k", name), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		for _, want := range offloads {
			if k == want {
				m[k] = strings.Fields(v + " ?")[0]
			}
		}
	}
	return m
}

// ethtoolDriver reads the driver from `ethtool -i`.
func ethtoolDriver(name string) string {
	for _, line := range strings.Split(output("ethtool", "-i", name), "\n") {
		if v, ok := strings.CutPrefix(line, "driver:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
