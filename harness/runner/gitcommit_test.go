package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitCommitDirty wants a change to code to mark the commit dirty, and a
// change to what a run writes (results/, REPORT.md) not to.
func TestGitCommitDirty(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git here")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("init", "-q")
	for _, f := range []string{"main.go", "REPORT.md", "results/latest/run.json"} {
		write(f, "1")
	}
	run("add", ".")
	run("commit", "-qm", "first")
	tests := []struct {
		change string
		dirty  bool
	}{
		{"", false},
		{"REPORT.md", false},
		{"results/latest/run.json", false},
		{"main.go", true},
	}
	for _, tt := range tests {
		if tt.change != "" {
			write(tt.change, "2")
		}
		if got := gitCommit(dir); strings.HasSuffix(got, "-dirty") != tt.dirty || got == "unknown" {
			t.Errorf("after changing %q: %q, want dirty %v", tt.change, got, tt.dirty)
		}
	}
}
