package pthread

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBuildWarnsNothing compiles the server as the Makefile does: the
// compiler must print nothing.
func TestBuildWarnsNothing(t *testing.T) {
	if _, err := Compiler(); err != nil {
		t.Skip(err)
	}
	out, err := Build(filepath.Join(t.TempDir(), BinaryName))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out != "" {
		t.Errorf("the compiler warns:\n%s", out)
	}
}

// TestMakefileFlags: the Makefile compiles the server with CFlags and the
// sources Build compiles, every embedded C file.
func TestMakefileFlags(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Skip("no Makefile here:", err)
	}
	files, err := writeSources(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var src []string
	for _, f := range files {
		src = append(src, "servers/pthread/csrc/"+f)
	}
	for name, want := range map[string]string{
		"PTHREAD_CFLAGS": strings.Join(CFlags, " "),
		"PTHREAD_SRC":    strings.Join(src, " "),
		"PTHREAD_BIN":    "bin/" + BinaryName,
	} {
		m := regexp.MustCompile(`(?m)^` + name + `\s*:=\s*(.*)$`).FindSubmatch(b)
		if m == nil || strings.TrimSpace(string(m[1])) != want {
			t.Errorf("the Makefile's %s is %q, want %q", name, m, want)
		}
	}
}

// TestCheck says what to do when the server is missing.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, env, cc string
		want          string
	}{
		{name: "env-names-nothing", env: filepath.Join(dir, "none"), want: BinaryEnv + "=" + filepath.Join(dir, "none")},
		{name: "env-names-a-plain-file", env: plain, want: "not executable"},
		{name: "env-names-a-directory", env: dir, want: "not a regular file"},
		{name: "not-built", cc: os.Getenv("CC"), want: "run make build"},
		{name: "no-compiler", cc: filepath.Join(dir, "no-such-cc"), want: "no C compiler"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(BinaryEnv, tt.env)
			t.Setenv("CC", tt.cc)
			if tt.name == "not-built" {
				if _, err := Compiler(); err != nil {
					t.Skip(err)
				}
			}
			if err := Check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
