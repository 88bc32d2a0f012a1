package proc

import (
	"slices"
	"strconv"
	"strings"

	"loopbench/harness/results"
)

// CPUSet is a sorted list of CPU numbers: where a process may run.
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

// First returns k CPUs for a server whose own set is s: the first k of s,
// then, where k is larger, the CPUs of more that s lacks, from the highest
// down (so a load generator on the low CPUs keeps CPU 0 the longest), and
// nil when s and more together have fewer than k. The set is sorted.
func (s CPUSet) First(k int, more CPUSet) CPUSet {
	if k <= len(s) {
		return slices.Clone(s[:k])
	}
	out := slices.Clone(s)
	for i := len(more) - 1; i >= 0 && len(out) < k; i-- {
		if !slices.Contains(out, more[i]) {
			out = append(out, more[i])
		}
	}
	if len(out) < k {
		return nil
	}
	slices.Sort(out)
	return out
}
