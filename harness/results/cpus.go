package results

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseCPUList reads a CPU list as taskset, /sys and Point.ServerCPUs
// write it ("1", "0-3", "0,2-3"): the CPU numbers, sorted, each once.
func ParseCPUList(s string) ([]int, error) {
	var cpus []int
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if isRange && err == nil {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b > 4095 {
			return nil, fmt.Errorf("CPU list %q: %q is not a CPU number or range (write e.g. \"1\", \"0-3\" or \"0,2\")", s, part)
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	slices.Sort(cpus)
	return slices.Compact(cpus), nil
}

// CPUCount is how many CPUs a CPU list names; 0 when it cannot be read.
func CPUCount(list string) int {
	cpus, err := ParseCPUList(list)
	if err != nil {
		return 0
	}
	return len(cpus)
}
