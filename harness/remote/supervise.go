package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/proc"
)

// Ready is the supervisor's first line on its standard output: the process
// it started and what it set up for it.
type Ready struct {
	PID  int `json:"pid"`
	Port int `json:"port,omitempty"`
	// Cgroup is the layout of the process's own group ("v1", "v2"), or ""
	// when the host allowed none (Notes says why).
	Cgroup string   `json:"cgroup,omitempty"`
	Notes  []string `json:"notes,omitempty"`
}

// Exit is the supervisor's last line: how the process ended and the
// content of its result file.
type Exit struct {
	Status string `json:"exit"`
	Result string `json:"result,omitempty"`
}

// SuperviseConfig is what `loopbench supervise` runs.
type SuperviseConfig struct {
	Argv []string
	// CPUs pins the process with taskset ("" leaves it unpinned).
	CPUs string
	// Port replaces {port} in Argv with a port free on this host.
	Port bool
	// Result is a file the process writes (its stats on stop); its content
	// goes into the Exit line, and the file is removed.
	Result string
	// Cgroup runs the process in a cgroup of its own, joined before its
	// first instruction, so `loopbench sample` reads its CPU time in
	// nanoseconds and its memory with the kernel's share.
	Cgroup bool
	// Grace is how long the process has to stop after SIGTERM before SIGKILL.
	Grace time.Duration
}

// Supervise runs cfg.Argv on this host for a remote caller and makes sure
// it does not outlive the caller's transport. The process's output goes to
// stderr; stdout carries the Ready line, then the Exit line. The process is
// stopped (SIGTERM, then SIGKILL after Grace) when stdin reaches its end,
// which is what a closed or dropped transport looks like from here, or when
// ctx is cancelled (SIGTERM or SIGHUP to the supervisor). Should the
// supervisor itself be killed, the kernel kills the process too (its
// parent-death signal, where the platform has one).
func Supervise(ctx context.Context, cfg SuperviseConfig, stdin io.Reader, stdout, stderr io.Writer) error {
	spec, ready, err := prepare(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if spec.Group != nil {
			spec.Group.Remove()
		}
	}()
	spec.Stdout, spec.Stderr = stderr, stderr
	c, err := proc.Start(spec)
	if err != nil {
		return fmt.Errorf("supervise: %w", err)
	}
	ready.PID = c.PID()
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(ready); err != nil {
		c.Kill()
		return err
	}
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(eof)
	}()
	var werr error
	select {
	case <-c.Done():
		werr = c.Err()
	case <-eof:
		werr = c.Stop()
	case <-ctx.Done():
		werr = c.Stop()
	}
	exit := Exit{Status: "exit status 0"}
	if werr != nil {
		exit.Status = werr.Error()
	}
	if cfg.Result != "" {
		if b, err := os.ReadFile(cfg.Result); err == nil {
			exit.Result = string(b)
		}
		os.Remove(cfg.Result)
	}
	return enc.Encode(exit)
}

// prepare is the child's Spec: the port filled in, the CPU pinning and the
// cgroup, which ready names (or the note says why there is none).
func prepare(cfg SuperviseConfig) (spec proc.Spec, ready Ready, err error) {
	if len(cfg.Argv) == 0 {
		return spec, ready, fmt.Errorf("supervise: no command to run")
	}
	spec = proc.Spec{Name: commandName(cfg.Argv), Argv: append([]string(nil), cfg.Argv...), Grace: cfg.Grace, KillWithParent: true}
	if cfg.Port {
		if ready.Port, err = proc.FreePort(""); err != nil {
			return spec, ready, err
		}
		for i := range spec.Argv {
			spec.Argv[i] = strings.ReplaceAll(spec.Argv[i], "{port}", strconv.Itoa(ready.Port))
		}
	}
	if cfg.CPUs != "" {
		if spec.CPUs, err = proc.ParseCPUs(cfg.CPUs); err != nil {
			return spec, ready, fmt.Errorf("supervise: --cpus: %w", err)
		}
		if spec.Taskset, err = exec.LookPath("taskset"); err != nil {
			return spec, ready, fmt.Errorf("supervise: --cpus %s needs taskset, which is not installed here (util-linux)", cfg.CPUs)
		}
	}
	if cfg.Cgroup {
		g, err := cgroup.Create(fmt.Sprintf("loopbench-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6))
		if err != nil {
			ready.Notes = append(ready.Notes, fmt.Sprintf("no cgroup for the server (%v): its CPU comes from /proc's clock ticks and its memory is RSS alone", err))
		} else {
			spec.Group, ready.Cgroup = g, g.Layout
		}
	}
	return spec, ready, nil
}
