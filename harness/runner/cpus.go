package runner

import (
	"loopbench/harness/results"
	"slices"
	"strconv"
	"strings"
)

// CPUSet is a sorted list of CPU numbers.
type CPUSet []int

// ParseCPUs reads a CPU list as taskset and /sys write it: "1", "0-3", "0,2-3".
func ParseCPUs(s string) (CPUSet, error) {
	set, err := results.ParseCPUList(s)
	return CPUSet(set), err
}

// String writes the set in the short form ParseCPUs reads: "0-3,6".
func (s CPUSet) String() string {
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(s[i]))
		} else {
			parts = append(parts, strconv.Itoa(s[i])+"-"+strconv.Itoa(s[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// Overlaps reports whether the sets share a CPU.
func (s CPUSet) Overlaps(t CPUSet) bool {
	for _, c := range s {
		if slices.Contains(t, c) {
			return true
		}
	}
	return false
}

// defaultCPUs splits the CPUs this process may use: the client gets the
// first half (at least one), the server the rest. On a 2-core host that is
// client 0, server 1. With one CPU they share it.
func defaultCPUs(all CPUSet) (server, client CPUSet) {
	if len(all) < 2 {
		return all, all
	}
	half := len(all) / 2
	return all[half:], all[:half]
}
