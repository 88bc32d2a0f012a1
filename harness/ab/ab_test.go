package ab

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/results"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "loopbench")
	plain := filepath.Join(dir, "notes.txt")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(plain, []byte("x"), 0o644)
	r := &Resolver{Repo: dir, Cache: filepath.Join(dir, "cache"), Log: io.Discard}
	cases := []struct {
		ref, wantErr string
	}{
		{exe, ""},
		{plain, "not executable"},
		{"", "empty ref"},
		{"no-such-revision", "neither a loopbench binary nor a git revision"},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			b, err := r.Resolve(context.Background(), c.ref)
			if c.wantErr == "" {
				if err != nil || b.Binary != exe || !strings.Contains(b.About, "sha256") {
					t.Errorf("Resolve(%q) = %+v, %v; want the binary itself", c.ref, b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Resolve(%q) error %v, want one saying %q", c.ref, err, c.wantErr)
			}
		})
	}
}

// TestResolveRevision builds a tiny module's cmd/loopbench from a git
// revision in a worktree, then reuses the cached binary.
func TestResolveRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git here")
	}
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	repo := t.TempDir()
	write := func(name, body string) {
		os.MkdirAll(filepath.Dir(filepath.Join(repo, name)), 0o755)
		if err := os.WriteFile(filepath.Join(repo, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module tiny\n\ngo 1.22\n")
	write("cmd/loopbench/main.go", "package main\n\nfunc main() { println(\"tiny\") }\n")
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "tiny"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	var log strings.Builder
	r := &Resolver{Repo: repo, Cache: filepath.Join(t.TempDir(), "cache"), Log: &log}
	b, err := r.Resolve(context.Background(), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(b.Binary).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "tiny") || len(b.Commit) != 40 {
		t.Fatalf("built %+v ran %q, %v", b, out, err)
	}
	if _, err := r.Resolve(context.Background(), "HEAD"); err != nil || !strings.Contains(log.String(), "reusing") {
		t.Errorf("second Resolve: %v, log %q; want the cached binary reused", err, log.String())
	}
	if wt, _ := exec.Command("git", "-C", repo, "worktree", "list").Output(); strings.Count(string(wt), "\n") != 1 {
		t.Errorf("worktrees left behind:\n%s", wt)
	}
}

func TestSplit(t *testing.T) {
	run := &results.Run{ID: "x", Points: []results.Point{{Model: "a", Side: "base"}, {Model: "a", Side: "head"}, {Model: "b", Side: "head"}}}
	b, h, err := Split(run, "base", "head")
	if err != nil || len(b.Points) != 1 || len(h.Points) != 2 || b.ID != "x" {
		t.Fatalf("Split = %d and %d points, %v; want 1 and 2", len(b.Points), len(h.Points), err)
	}
	if _, _, err := Split(&results.Run{Points: run.Points[1:]}, "base", "head"); err == nil {
		t.Error("Split of a run without base points: no error")
	}
}
