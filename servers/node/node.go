// Package node is the node server model: servers/node/server.js, run by the
// machine's own node (20 or newer), serves the shared application with Node's
// http module on the real libuv. It is the reference the homemade event loop
// in servers/eventloop is compared with.
//
// The Go side only starts node. `loopbench serve --model node` replaces its
// own process with node (Exec), so the process the harness measures is node
// itself; Serve runs node as a child process for tests and the conformance
// suite. Node parses HTTP itself, so bad input is answered by its parser:
// Differences lists where that differs from the shared application. With
// Config.Loops above one, or model.LoopsPerCPU, server.js runs Node's
// cluster: a primary and that many worker processes (runPrimary there),
// which stop with it.
package node

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"loopbench/servers/internal/child"
	"loopbench/servers/model"
)

// script is server.js and cluster.js, passed to node with -e so no file
// is left behind.
var script = serverJS + "\n" + clusterJS

//go:embed server.js
var serverJS string

//go:embed cluster.js
var clusterJS string

// MinMajor is the oldest major version of node the model runs on.
const MinMajor = 20

// MaxPool is libuv's largest thread pool (UV_THREADPOOL_SIZE above it is capped).
const MaxPool = 1024

// stopTimeout bounds how long node may take to stop after SIGTERM before it
// is killed. server.js closes lingering connections after 2 s.
const stopTimeout = 10 * time.Second

// Model is the node server model. Stderr receives node's standard error
// (nil: os.Stderr).
type Model struct {
	Stderr io.Writer
}

// New returns the model.
func New() *Model { return &Model{} }

// ErrNotFound is the reason the model cannot run when there is no node on PATH.
var ErrNotFound = errors.New("node not found on PATH (install Node.js 20 or newer)")

// Check reports why node cannot run the model here: it is missing from PATH,
// does not answer --version, or is older than MinMajor. Nil means it can.
func Check() error {
	_, err := find()
	return err
}

// find returns the path of a usable node.
func find() (string, error) {
	bin, err := exec.LookPath("node")
	if err != nil {
		return "", ErrNotFound
	}
	v, err := version(bin)
	if err != nil {
		return "", err
	}
	major, err := majorOf(v)
	if err != nil {
		return "", fmt.Errorf("%s --version printed %q: %w", bin, v, err)
	}
	if major < MinMajor {
		return "", fmt.Errorf("%s is %s; the node model needs Node.js %d or newer", bin, v, MinMajor)
	}
	return bin, nil
}

// version runs `node --version` with a time bound.
func version(bin string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", bin, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// majorOf reads the major number of a version such as "v20.20.2".
func majorOf(v string) (int, error) {
	major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	n, err := strconv.Atoi(major)
	if err != nil || !strings.HasPrefix(v, "v") {
		return 0, errors.New("not a version of the form vMAJOR.MINOR.PATCH")
	}
	return n, nil
}

// argv is node's command line: the embedded script and the model's flags.
// "--" ends node's own options, so the flags reach server.js.
func argv(cfg model.Config) ([]string, error) {
	args := []string{"node", "-e", script, "--", "--addr", cfg.Addr,
		"--head-timeout-ms", strconv.FormatInt(cfg.Head().Milliseconds(), 10),
		"--idle-timeout-ms", strconv.FormatInt(cfg.Idle().Milliseconds(), 10)}
	if cfg.DataDir != "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		args = append(args, "--data-dir", dir)
	}
	if cfg.Backend != "" {
		args = append(args, "--backend", cfg.Backend)
	}
	if cfg.Pool > 0 {
		args = append(args, "--pool", strconv.Itoa(cfg.Pool))
	}
	if cfg.CPUOffload {
		args = append(args, "--cpu-offload")
	}
	if cfg.Loops == model.LoopsPerCPU || cfg.Loops > 1 {
		args = append(args, "--workers", strconv.Itoa(cfg.LoopCount()))
	}
	if cfg.StatsFile != "" {
		args = append(args, "--stats-file", cfg.StatsFile)
	}
	return args, nil
}

// environ returns base with UV_THREADPOOL_SIZE set from cfg.Pool; libuv reads
// it once, when the pool first starts, so it must be there before node runs.
func environ(cfg model.Config, base []string) ([]string, error) {
	if cfg.Pool < 0 || cfg.Pool > MaxPool {
		return nil, fmt.Errorf("node model: pool size %d out of range (set --pool between 1 and %d, or 0 for libuv's default of 4)", cfg.Pool, MaxPool)
	}
	if cfg.Pool == 0 {
		return base, nil
	}
	env := make([]string, 0, len(base)+1)
	for _, kv := range base {
		if !strings.HasPrefix(kv, "UV_THREADPOOL_SIZE=") {
			env = append(env, kv)
		}
	}
	return append(env, "UV_THREADPOOL_SIZE="+strconv.Itoa(cfg.Pool)), nil
}

// command prepares what node runs with: its path, command line and environment.
func command(cfg model.Config) (bin string, args, env []string, err error) {
	if bin, err = find(); err != nil {
		return "", nil, nil, fmt.Errorf("node model: %w", err)
	}
	if args, err = argv(cfg); err != nil {
		return "", nil, nil, fmt.Errorf("node model: data directory: %w", err)
	}
	if env, err = environ(cfg, os.Environ()); err != nil {
		return "", nil, nil, err
	}
	return bin, args, env, nil
}

// Serve runs node as a child process until ctx is cancelled, then stops it
// with SIGTERM (SIGKILL after stopTimeout) and returns model.ErrServerClosed
// after a clean exit. If node exits on its own, the error carries the tail of
// its standard error.
func (m *Model) Serve(ctx context.Context, cfg model.Config) error {
	bin, args, env, err := command(cfg)
	if err != nil {
		return err
	}
	return child.Serve(ctx, child.Spec{Model: "node model", Program: "node", Path: bin, Args: args[1:], Env: env,
		Stderr: m.stderr(), StopTimeout: stopTimeout})
}

func (m *Model) stderr() io.Writer {
	if m.Stderr == nil {
		return os.Stderr
	}
	return m.Stderr
}
