package servers_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportRules enforces the layout's direction of dependencies, read from
// `go list -deps`: the application is a leaf of the project, the models and
// the backend serve it without knowing anything of the measuring side, and
// the model contract imports no model.
func TestImportRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH:", err)
	}
	rules := []struct {
		pkgs      string   // the packages the rule is about
		forbidden []string // import path prefixes none of them may depend on
	}{
		// The application is pure: no model, no harness, no backend.
		{pkgs: "loopbench/app/...", forbidden: []string{"loopbench/servers", "loopbench/harness", "loopbench/backend", "loopbench/cmd"}},
		// The models are measured, never measuring.
		{pkgs: "loopbench/servers/...", forbidden: []string{"loopbench/harness", "loopbench/cmd"}},
		// The backend is a peer service of the models.
		{pkgs: "loopbench/backend/...", forbidden: []string{"loopbench/servers", "loopbench/harness", "loopbench/cmd"}},
		// The contract is a leaf: it knows the application, not any model.
		{pkgs: "loopbench/servers/model", forbidden: []string{"loopbench/servers/", "loopbench/harness", "loopbench/backend"}},
	}
	for _, r := range rules {
		out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", r.pkgs).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", r.pkgs, err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || !inside(fields[0], r.pkgs) {
				continue
			}
			for _, imp := range fields[1:] {
				for _, f := range r.forbidden {
					if strings.HasPrefix(imp, f) && !inside(imp, r.pkgs) {
						t.Errorf("%s imports %s: packages matching %s must not depend on %s", fields[0], imp, r.pkgs, f)
					}
				}
			}
		}
	}
}

// inside reports whether the package path p is matched by the go list
// pattern pattern (a path, or a path ending in /...).
func inside(p, pattern string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	p, _, _ = strings.Cut(p, " ") // test variants: "pkg [pkg.test]"
	return p == pattern
}

// TestTestkitOnlyInTests checks that servers/internal/testkit, the tests'
// helpers, is imported by test files only: `go list` without -test lists
// the imports of the non-test files.
func TestTestkitOnlyInTests(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH:", err)
	}
	const testkit = "loopbench/servers/internal/testkit"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "loopbench/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list loopbench/...: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && fields[0] != testkit && slices.Contains(fields[1:], testkit) {
			t.Errorf("%s imports %s outside its tests", fields[0], testkit)
		}
	}
}
