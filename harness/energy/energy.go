// Package energy reads the CPU package's energy counters where the host
// exposes them (Intel RAPL and AMD's equivalent, through the kernel's
// powercap interface under /sys/class/powercap), so a point can say how
// many joules its requests cost. Virtual machines rarely expose them; a
// reading then says so instead of guessing.
package energy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Root is where the powercap zones live; tests point it at a fixture.
var Root = "/sys/class/powercap"

// ErrNotExposed is the reading of a host without readable energy counters.
var ErrNotExposed = errors.New("energy counters not exposed on this host (no readable RAPL zone under /sys/class/powercap)")

// Zone is one top-level powercap zone (a CPU package, typically), read once.
type Zone struct {
	Name string // e.g. "package-0"
	Dir  string
	// EnergyUJ is the counter in microjoules; it wraps at RangeUJ.
	EnergyUJ, RangeUJ uint64
}

// Reading is every package zone's counter at one moment.
type Reading []Zone

// Read reads every top-level RAPL zone (intel-rapl:N, not its subzones,
// which the package's count already includes). It returns ErrNotExposed
// when there is none or none is readable (the counters are root-only on
// recent kernels).
func Read() (Reading, error) {
	dirs, _ := filepath.Glob(filepath.Join(Root, "*rapl:*"))
	sort.Strings(dirs)
	var r Reading
	var lastErr error
	for _, d := range dirs {
		if strings.Count(filepath.Base(d), ":") != 1 {
			continue // a subzone (core, uncore, dram) of a package
		}
		z, err := readZone(d)
		if err != nil {
			lastErr = err
			continue
		}
		r = append(r, z)
	}
	if len(r) == 0 {
		if lastErr != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotExposed, lastErr)
		}
		return nil, ErrNotExposed
	}
	return r, nil
}

func readZone(dir string) (Zone, error) {
	z := Zone{Dir: dir, Name: filepath.Base(dir)}
	if b, err := os.ReadFile(filepath.Join(dir, "name")); err == nil {
		z.Name = strings.TrimSpace(string(b))
	}
	var err error
	if z.EnergyUJ, err = readUint(filepath.Join(dir, "energy_uj")); err != nil {
		return z, err
	}
	if z.RangeUJ, err = readUint(filepath.Join(dir, "max_energy_range_uj")); err != nil {
		return z, err
	}
	return z, nil
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// Joules is the energy every zone used from before to r, with each
// counter's wrap-around taken into account (at most one wrap between the
// readings: the counters wrap after minutes even on large hosts, longer
// than any point). The zones must be the same in both readings.
func (r Reading) Joules(before Reading) (float64, error) {
	if len(r) != len(before) {
		return 0, fmt.Errorf("energy: %d zones now, %d before", len(r), len(before))
	}
	var uj uint64
	for i, z := range r {
		b := before[i]
		if z.Dir != b.Dir {
			return 0, fmt.Errorf("energy: zone %s now, %s before", z.Dir, b.Dir)
		}
		if z.EnergyUJ >= b.EnergyUJ {
			uj += z.EnergyUJ - b.EnergyUJ
		} else {
			uj += z.RangeUJ - b.EnergyUJ + z.EnergyUJ
		}
	}
	return float64(uj) / 1e6, nil
}
