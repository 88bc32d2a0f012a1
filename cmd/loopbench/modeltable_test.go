package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"loopbench/harness/plot"
	"loopbench/harness/results"
	"loopbench/servers"
)

// TestModelTableRecorded checks the table a run records from the registry
// (modelTable): every model in table order, each role one the claims look
// for, each style one the charts can draw and no two alike, and each
// variant's serve flags making the change its Edit makes in code.
func TestModelTableRecorded(t *testing.T) {
	table := modelTable()
	if got, want := len(table), len(servers.All()); got != want {
		t.Fatalf("%d models recorded, want the registry's %d", got, want)
	}
	roles := []string{results.RoleThreadPerConn, results.RoleEventLoop, results.RoleHomemade, results.RoleReference, results.RoleLoopLibrary, results.RoleThreadReference}
	palette := plot.PaletteOf(table)
	seen := map[plot.Style]string{}
	for i, m := range table {
		e := servers.All()[i]
		if m.Name != e.Name {
			t.Errorf("model %d recorded as %s, want %s", i, m.Name, e.Name)
		}
		for _, r := range m.Roles {
			if !slices.Contains(roles, r) {
				t.Errorf("model %s: role %q is none the claims look for (%q)", m.Name, r, roles)
			}
		}
		if _, ok := plot.ShapeNamed(m.Style.Marker); !ok || len(m.Style.Color) != 7 {
			t.Errorf("model %s: style %+v is not a #RRGGBB colour and a marker the charts draw", m.Name, m.Style)
		}
		if other, dup := seen[palette.Of(m.Name)]; dup {
			t.Errorf("models %s and %s are drawn alike", other, m.Name)
		}
		seen[palette.Of(m.Name)] = m.Name
		for j, v := range e.Variants {
			checkVariantFlags(t, m.Name, v, m.Variants[j])
		}
	}
}

// checkVariantFlags checks that a variant's serve flags, as recorded, make
// the configuration its Edit makes.
func checkVariantFlags(t *testing.T, model string, v servers.Variant, rec results.Variant) {
	t.Helper()
	fs, flagged := serveFlags(io.Discard)
	if err := parseFlags(fs, append([]string{"--model", model}, rec.Flags...)); err != nil {
		t.Errorf("model %s, variant %s: serve %q: %v", model, v.Name, rec.Flags, err)
		return
	}
	fs, edited := serveFlags(io.Discard)
	if err := parseFlags(fs, []string{"--model", model}); err != nil {
		t.Fatal(err)
	}
	v.Edit(&edited.cfg)
	if rec.Name != v.Name || !reflect.DeepEqual(flagged.cfg, edited.cfg) {
		t.Errorf("model %s, variant %s: serve %q gives %+v, its Edit %+v", model, v.Name, rec.Flags, flagged.cfg, edited.cfg)
	}
}

// TestRunUndeclaredVariant refuses, before anything runs, a workload whose
// variant its models do not declare (here a misspelt one), naming the
// file, the field and the fix.
func TestRunUndeclaredVariant(t *testing.T) {
	dir := t.TempDir()
	src := `name = "typo"
description = "a variant no model declares"
mode = "closed"
duration = "1s"
models = ["eventloop"]

[[mix]]
target = "/plaintext"
weight = 1

[closed]
connections = [8]

[[variants]]
name = "cpu-ofload"
flags = ["--cpu-offload"]
`
	if err := os.WriteFile(filepath.Join(dir, "typo.toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCmd("run", "--workloads", dir, "--dry-run")
	if code == 0 {
		t.Fatal("run accepted a variant no model declares")
	}
	for _, want := range []string{"typo.toml", `field "variants[0].name"`, `model eventloop declares no variant "cpu-ofload" (it declares: cpu-offload, loops-2, loops-per-cpu, io-uring)`, "correct the variant's name"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}
