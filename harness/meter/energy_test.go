package meter

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"loopbench/harness/energy"
	"loopbench/harness/results"
)

// TestMeterEnergy reads a fake powercap zone around the window: the point
// gets the joules between the two readings where the host exposes them,
// and none where it does not.
func TestMeterEnergy(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep to stand in for a server:", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	old := energy.Root
	t.Cleanup(func() { energy.Root = old })
	for _, tc := range []struct {
		name    string
		exposed bool
	}{
		{"exposed", true},
		{"not exposed", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			energy.Root = t.TempDir()
			zone := filepath.Join(energy.Root, "intel-rapl:0")
			counter := func(uj string) {
				if !tc.exposed {
					return
				}
				os.MkdirAll(zone, 0o755)
				os.WriteFile(filepath.Join(zone, "name"), []byte("package-0\n"), 0o644)
				os.WriteFile(filepath.Join(zone, "max_energy_range_uj"), []byte("262143328850\n"), 0o644)
				os.WriteFile(filepath.Join(zone, "energy_uj"), []byte(uj+"\n"), 0o644)
			}
			m := New(Config{PID: cmd.Process.Pid, ClientCPUs: 1})
			counter("1000000")
			m.Begin()
			counter("4250000")
			m.Finish()
			p := &results.Point{Requests: 1000}
			m.Fill(p)
			switch {
			case !tc.exposed && p.Energy != nil:
				t.Errorf("energy %+v on a host without counters", p.Energy)
			case tc.exposed && (p.Energy == nil || math.Abs(p.Energy.Joules-3.25) > 1e-9 || p.Energy.Zones[0] != "package-0"):
				t.Errorf("energy %+v, want 3.25 J from package-0", p.Energy)
			case tc.exposed && math.Abs(p.JoulesPerRequest()-0.00325) > 1e-12:
				t.Errorf("%v J per request, want 0.00325", p.JoulesPerRequest())
			}
		})
	}
}
