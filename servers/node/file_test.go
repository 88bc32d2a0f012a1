package node

import (
	"os"
	"path/filepath"
	"testing"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestFileSymlink: node opens /file names with O_NOFOLLOW, so a symbolic
// link in the data directory is refused even where os.Root would follow it.
func TestFileSymlink(t *testing.T) {
	dir, outside := testkit.DataDir(t), testkit.DataDir(t)
	links := map[string]string{
		"inside.bin":  "small.bin",
		"outside.bin": filepath.Join(outside, "small.bin"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	srv := start(t, model.Config{DataDir: dir})
	cases := []struct {
		name         string
		shared, node int
	}{
		// A link to a file in the data directory: os.Root follows it.
		{"inside.bin", 200, 500},
		// A link out of the data directory: both refuse it.
		{"outside.bin", 500, 500},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := "/file?name=" + tc.name
			if w := testkit.Want(t, testkit.Get(target), dir); w.Status != tc.shared {
				t.Errorf("the shared application answers %d, the table says %d", w.Status, tc.shared)
			}
			if r := testkit.Dial(t, srv.Addr).Get(t, target); r.Status != tc.node {
				t.Errorf("node answered %d, want %d", r.Status, tc.node)
			}
		})
	}
}
