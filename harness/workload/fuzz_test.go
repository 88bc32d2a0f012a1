package workload

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds workload files to the loader (TOML decoding, then every
// validation): no input may crash it, and a workload it accepts is valid.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("../../workloads/*.toml")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name = \"x\"\nmode = \"closed\"\n"))
	f.Add([]byte("name = \"x\"\nmode = \"open\"\nrates = [-1, 1e400]\n[[mix]]\ntarget = \"/sleep?ms=99999999999\"\nweight = -3\n"))
	f.Add([]byte("[quick]\nrepetitions = -1\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		w, err := parse(filepath.Join(t.TempDir(), "fuzz.toml"), src)
		if err != nil {
			return
		}
		if err := w.validate(); err != nil {
			t.Errorf("parse accepted a workload that validate refuses: %v", err)
		}
	})
}
