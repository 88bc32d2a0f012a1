package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/app"
	"loopbench/servers"
	"loopbench/servers/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ between want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  - %q\n  + %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// runCmd runs the command line and returns its output and exit status.
func runCmd(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = exitCode(run(args, &out, &errOut), &errOut)
	return out.String(), errOut.String(), code
}

// TestHelp checks the help of the command and of the commands this file's
// owner maintains against golden files.
func TestHelp(t *testing.T) {
	t.Setenv("TMPDIR", "/tmp")
	tests := []struct {
		golden string
		args   []string
		stdout bool // help on stdout (the command list) or stderr (a FlagSet)
	}{
		{"help.golden", nil, true},                // no arguments
		{"help.golden", []string{"--help"}, true}, // asked for
		{"serve-help.golden", []string{"serve", "--help"}, false},
		{"backend-help.golden", []string{"backend", "-h"}, false},
		{"data-help.golden", []string{"data", "--help"}, false},
		{"models-help.golden", []string{"models", "--help"}, false},
		{"pairs-help.golden", []string{"pairs", "--help"}, false},
		{"compare-help.golden", []string{"compare", "--help"}, false},
		{"export-help.golden", []string{"export", "--help"}, false},
	}
	for _, tt := range tests {
		stdout, stderr, code := runCmd(tt.args...)
		if code != 0 {
			t.Errorf("%v: exit status %d; want 0", tt.args, code)
		}
		got := stderr
		if tt.stdout {
			got = stdout
		}
		golden(t, tt.golden, got)
	}
}

// TestUsageErrors checks that command-line mistakes exit 2 with a message
// naming the flag and the fix.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope"`},                                            // no such command
		{[]string{"serve"}, "--model is required; choose one of: threaded"},                     // the model is required
		{[]string{"serve", "--model", "nope"}, `unknown model "nope"; choose one of: threaded`}, // an unknown model
		{[]string{"serve", "--model", "threaded", "--addr", "8080"}, `--addr "8080" is not HOST:PORT`},
		{[]string{"serve", "--model", "threaded", "--backend", "x"}, `--backend "x" is not HOST:PORT`},
		{[]string{"serve", "--model", "threaded", "--pool", "-1"}, "--pool must be 0 (the default) or more, got -1"},
		{[]string{"serve", "--model", "threaded", "--loops", "-2"}, "--loops must be 0"},
		{[]string{"serve", "--model", "threaded", "--max-threads", "-3"}, "--max-threads must be 0"},
		{[]string{"serve", "--model", "threaded", "--shutdown-timeout", "0s"}, "--shutdown-timeout must be positive"},
		{[]string{"serve", "--model", "threaded", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--pool", "many"}, `invalid value "many" for flag -pool`}, // the flag package's message
		{[]string{"serve", "--colour"}, "flag provided but not defined: -colour"},
		{[]string{"backend", "--addr", "nowhere"}, `--addr "nowhere" is not HOST:PORT`},
		{[]string{"backend", "extra"}, `unexpected argument "extra"`},
		{[]string{"data"}, "--dir is required"},
		{[]string{"data", "--dir", "x", "y"}, `unexpected argument "y"`},
		{[]string{"models", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestData checks that data writes the files and lists them.
func TestData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	stdout, stderr, code := runCmd("data", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !app.HasDataFiles(dir) {
		t.Fatalf("data files missing in %s", dir)
	}
	for _, f := range app.DataFiles {
		if !strings.Contains(stdout, filepath.Join(dir, f.Name)) {
			t.Errorf("output %q does not list %s", stdout, f.Name)
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, stderr, code := runCmd("data", "--dir", file); code != 1 || !strings.Contains(stderr, "--dir "+file) {
		t.Errorf("data into a file: exit %d, %q; want 1 naming --dir", code, stderr)
	}
}

// fakeEntries is a fixed model table for stable output.
func fakeEntries() []servers.Entry {
	return []servers.Entry{
		{Name: "alpha", Description: "a model that runs", New: func() model.Model { return &fakeModel{} }},
		{Name: "beta", Description: "a model that cannot", Check: func() error { return errors.New("beta-server not found in PATH") },
			Differences: []string{"answers obs-fold with 200", "closes after 405"}},
		{Name: "gamma", Description: "a model with a difference", Differences: []string{"no HEAD"}},
	}
}

// TestModels checks the models table against a golden file with a fixed
// table, and that the real table lists every model.
func TestModels(t *testing.T) {
	stdout, _, code := runCmd("models")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range servers.Names() {
		if !strings.Contains(stdout, "\n"+name+" ") {
			t.Errorf("models output does not list %s:\n%s", name, stdout)
		}
	}
	defer func(f func() []servers.Entry) { listModels = f }(listModels)
	listModels = fakeEntries
	stdout, _, _ = runCmd("models")
	golden(t, "models.golden", stdout)
}
