package energy

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// zone writes a fake powercap zone.
func zone(t *testing.T, root, dir, name string, energy, rng string) {
	t.Helper()
	d := filepath.Join(root, dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{"name": name, "energy_uj": energy, "max_energy_range_uj": rng} {
		if v == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(d, f), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRead(t *testing.T) {
	old := Root
	t.Cleanup(func() { Root = old })
	Root = t.TempDir()
	if _, err := Read(); !errors.Is(err, ErrNotExposed) {
		t.Fatalf("empty: %v", err)
	}
	zone(t, Root, "intel-rapl:0", "package-0", "1000000", "262143328850")
	zone(t, Root, "intel-rapl:0:0", "core", "400000", "262143328850") // a subzone: left out
	zone(t, Root, "intel-rapl:1", "package-1", "262143000000", "262143328850")
	before, err := Read()
	if err != nil || len(before) != 2 || before[0].Name != "package-0" {
		t.Fatalf("%+v %v", before, err)
	}
	zone(t, Root, "intel-rapl:0", "package-0", "3500000", "")
	zone(t, Root, "intel-rapl:1", "package-1", "671150", "") // wrapped
	after, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	j, err := after.Joules(before)
	if err != nil || math.Abs(j-(2.5+1.0)) > 1e-6 {
		t.Errorf("joules %v %v, want 3.5", j, err)
	}
	if _, err := after[:1].Joules(before); err == nil {
		t.Error("zones that differ: no error")
	}
}

func TestUnreadableZone(t *testing.T) {
	old := Root
	t.Cleanup(func() { Root = old })
	Root = t.TempDir()
	zone(t, Root, "intel-rapl:0", "package-0", "not a number", "10")
	if _, err := Read(); !errors.Is(err, ErrNotExposed) {
		t.Fatalf("err %v", err)
	}
}
