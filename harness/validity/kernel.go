// Package validity decides whether a measured point measured what its label
// says: that the server held the connections the level names, that the
// closed loop's figures agree with Little's law, that errors stayed rare,
// and that the kernel saw no listen-queue overflows, SYN drops or stolen CPU
// during the measured window. A point that fails a check is partial, with
// each reason in words; partial points are shown, never averaged into a
// verdict.
package validity

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Counters are the host's TCP and CPU counters that a point is checked
// against, read before and after its measured window.
type Counters struct {
	// From /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp).
	ListenOverflows, ListenDrops, TCPTimeouts, RetransSegs, SynRetrans int64
	// Steal and Total are clock ticks of the CPUs in question, from /proc/stat.
	Steal, Total int64
}

// Delta is what happened between two readings.
func (c Counters) Delta(before Counters) Counters {
	return Counters{
		ListenOverflows: c.ListenOverflows - before.ListenOverflows,
		ListenDrops:     c.ListenDrops - before.ListenDrops,
		TCPTimeouts:     c.TCPTimeouts - before.TCPTimeouts,
		RetransSegs:     c.RetransSegs - before.RetransSegs,
		SynRetrans:      c.SynRetrans - before.SynRetrans,
		Steal:           c.Steal - before.Steal,
		Total:           c.Total - before.Total,
	}
}

// Paths are where ReadCounters looks; tests point them at fixtures.
type Paths struct{ Netstat, SNMP, Stat string }

// ProcPaths are the real files.
var ProcPaths = Paths{Netstat: "/proc/net/netstat", SNMP: "/proc/net/snmp", Stat: "/proc/stat"}

// ReadCounters reads the TCP counters and the steal and total ticks of cpus
// (every CPU when empty).
func ReadCounters(p Paths, cpus []int) (Counters, error) {
	var c Counters
	ext, err := readTable(p.Netstat, "TcpExt")
	if err != nil {
		return c, err
	}
	tcp, err := readTable(p.SNMP, "Tcp")
	if err != nil {
		return c, err
	}
	c.ListenOverflows, c.ListenDrops, c.TCPTimeouts = ext["ListenOverflows"], ext["ListenDrops"], ext["TCPTimeouts"]
	c.SynRetrans = ext["TCPSynRetrans"]
	c.RetransSegs = tcp["RetransSegs"]
	c.Steal, c.Total, err = readSteal(p.Stat, cpus)
	return c, err
}

// readTable reads one protocol's "Name: keys" and "Name: values" line pair
// of a /proc/net/netstat or /proc/net/snmp file.
func readTable(path, proto string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != proto {
			continue
		}
		fields := strings.Fields(rest)
		if keys == nil {
			keys = fields
			continue
		}
		if len(fields) != len(keys) {
			return nil, fmt.Errorf("%s: %s has %d names and %d values", path, proto, len(keys), len(fields))
		}
		m := make(map[string]int64, len(keys))
		for i, k := range keys {
			if m[k], err = strconv.ParseInt(fields[i], 10, 64); err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", path, proto, k, err)
			}
		}
		return m, nil
	}
	return nil, fmt.Errorf("%s: no %s counters", path, proto)
}

// readSteal sums the steal ticks and all ticks of cpus in /proc/stat.
func readSteal(path string, cpus []int) (steal, total int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	want := map[string]bool{}
	for _, c := range cpus {
		want["cpu"+strconv.Itoa(c)] = true
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if (len(cpus) == 0 && f[0] != "cpu") || (len(cpus) > 0 && !want[f[0]]) {
			continue
		}
		// user nice system idle iowait irq softirq steal [guest guest_nice]
		for i, v := range f[1:9] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("%s: %s: %w", path, f[0], err)
			}
			total += n
			if i == 7 {
				steal += n
			}
		}
	}
	return steal, total, nil
}
