// Package pthread is the pthread model: a small C server (csrc/*.c) with
// one pthread per connection, blocking reads and writes and the default
// thread stack. It is the reference beside the threaded model, which
// emulates that design with goroutines locked to OS threads: the
// difference between the two is what Go adds to each thread.
//
// It serves /plaintext and /sleep only (Routes), with the shared
// application's bytes and its answers to bad input; every other path is
// 404. The Makefile's build target compiles it into bin/loopbench-pthread
// with the machine's C compiler; the Go side only finds and starts it.
// `loopbench serve --model pthread` replaces its own process with the
// server (Exec), so the process the harness measures is the C server
// itself; Serve runs it as a child process for tests and the conformance
// suite.
package pthread

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"loopbench/servers/internal/child"
	"loopbench/servers/model"
)

// BinaryName is the server's file name; `make build` puts it in bin/,
// beside loopbench.
const BinaryName = "loopbench-pthread"

// BinaryEnv, when set, is the path of the server to run instead of the one
// beside the loopbench executable.
const BinaryEnv = "LOOPBENCH_PTHREAD_BIN"

// Routes are the paths the server serves. The harness sends it no others,
// and the conformance suite skips its cases that need others.
var Routes = []string{"/plaintext", "/sleep"}

// CFlags are the flags the server is compiled with: C11 and POSIX, no
// warnings. The Makefile's PTHREAD_CFLAGS are the same (a test checks).
var CFlags = []string{"-std=c11", "-O2", "-Wall", "-Wextra", "-pthread"}

// sources are the server's C files, embedded so that Build works without
// the repository's tree (a test binary, a copied loopbench).
//
//go:embed csrc/*.c csrc/*.h
var sources embed.FS

// stopTimeout bounds how long the server may take to exit after SIGTERM
// (it exits at once) before it is killed.
const stopTimeout = 10 * time.Second

// Model is the pthread model. Stderr receives the server's standard error
// (nil: os.Stderr).
type Model struct {
	Stderr io.Writer
}

// New returns the model.
func New() *Model { return &Model{} }

// Check reports why the model cannot run here: the server is not built
// (and whether a C compiler could build it), or BinaryEnv names no
// executable file. Nil means it can run.
func Check() error {
	_, err := find()
	return err
}

// find returns the path of the server to run.
func find() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if err := executable(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w (point it at a server built by make build, or unset it)", BinaryEnv, p, err)
		}
		return p, nil
	}
	dirs := binDirs()
	for _, dir := range dirs {
		if p := filepath.Join(dir, BinaryName); executable(p) == nil {
			return p, nil
		}
	}
	where := "beside the loopbench executable"
	if len(dirs) > 0 {
		where = "in " + dirs[0]
	}
	cc, err := Compiler()
	if err != nil {
		return "", fmt.Errorf("%s is not built %s, and there is no C compiler to build it (%v): install one (apt-get install gcc), then run make build", BinaryName, where, err)
	}
	return "", fmt.Errorf("%s is not built %s: run make build (it compiles servers/pthread/csrc/*.c with %s), or set %s to a built server", BinaryName, where, cc, BinaryEnv)
}

// binDirs are the directories of the running executable, as started and
// with symbolic links resolved.
func binDirs() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	dirs := []string{filepath.Dir(exe)}
	if real, err := filepath.EvalSymlinks(exe); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real))
	}
	return dirs
}

// executable reports why path is not an executable regular file.
func executable(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return errors.New("not a regular file")
	case fi.Mode().Perm()&0o111 == 0:
		return errors.New("not executable")
	}
	return nil
}

// Compiler returns the C compiler's command line: $CC, as the Makefile
// takes it, or cc.
func Compiler() ([]string, error) {
	cc := strings.Fields(os.Getenv("CC"))
	if len(cc) == 0 {
		cc = []string{"cc"}
	}
	path, err := exec.LookPath(cc[0])
	if err != nil {
		return nil, fmt.Errorf("no C compiler: %w", err)
	}
	return append([]string{path}, cc[1:]...), nil
}

// Build compiles the server into the file bin with the machine's C
// compiler, CFlags and extra flags after them (a sanitizer, say). It
// returns what the compiler printed: its warnings, or with an error its
// complaints.
func Build(bin string, extra ...string) (string, error) {
	cc, err := Compiler()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "loopbench-pthread-src")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	files, err := writeSources(dir)
	if err != nil {
		return "", err
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := slices.Concat(cc[1:], CFlags, extra, []string{"-o", bin}, files)
	cmd := exec.CommandContext(ctx, cc[0], args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w", cc[0], strings.Join(args, " "), err)
	}
	return string(out), nil
}

// writeSources writes the embedded sources into dir and returns the names
// of the C files among them, the ones to compile, in order.
func writeSources(dir string) ([]string, error) {
	entries, err := sources.ReadDir("csrc")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		b, err := sources.ReadFile("csrc/" + e.Name())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(e.Name(), ".c") {
			files = append(files, e.Name())
		}
	}
	return files, nil
}

// argv is the server's command line for cfg: the bounds it honours, in
// whole milliseconds (at least one).
func argv(bin string, cfg model.Config) []string {
	ms := func(d time.Duration) string { return strconv.FormatInt(max(d.Milliseconds(), 1), 10) }
	args := []string{bin, "--addr", cfg.Addr, "--head-timeout-ms", ms(cfg.Head()), "--idle-timeout-ms", ms(cfg.Idle())}
	if cfg.MaxThreads > 0 {
		args = append(args, "--max-threads", strconv.Itoa(cfg.MaxThreads))
	}
	return args
}

// Serve runs the server as a child process until ctx is cancelled, then
// stops it with SIGTERM (SIGKILL after stopTimeout) and returns
// model.ErrServerClosed after a clean exit. If it exits on its own (it
// cannot listen, say), the error carries the end of its standard error.
func (m *Model) Serve(ctx context.Context, cfg model.Config) error {
	bin, err := find()
	if err != nil {
		return fmt.Errorf("pthread model: %w", err)
	}
	return child.Serve(ctx, child.Spec{Model: "pthread model", Program: BinaryName, Path: bin, Args: argv(bin, cfg)[1:],
		Stderr: m.stderr(), StopTimeout: stopTimeout})
}

func (m *Model) stderr() io.Writer {
	if m.Stderr == nil {
		return os.Stderr
	}
	return m.Stderr
}
