package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"loopbench/harness/cgroup"
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
	argv, ready, group, err := prepare(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if group != nil {
			group.Remove()
		}
	}()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.SysProcAttr = childAttr()
	exited, err := startLocked(cmd)
	if err != nil {
		return fmt.Errorf("supervise: starting %s: %w", cfg.Argv[0], err)
	}
	ready.PID = cmd.Process.Pid
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(ready); err != nil {
		stopProcess(cmd, exited, 0)
		return err
	}
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(eof)
	}()
	var werr error
	select {
	case werr = <-exited:
	case <-eof:
		werr = stopProcess(cmd, exited, cfg.Grace)
	case <-ctx.Done():
		werr = stopProcess(cmd, exited, cfg.Grace)
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

// startLocked starts cmd from a goroutine locked to its OS thread and waits
// for it there: the parent-death signal fires when the thread that started
// the child ends, so that thread must live as long as the child.
func startLocked(cmd *exec.Cmd) (<-chan error, error) {
	started, exited := make(chan error, 1), make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine, after the child
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	return exited, <-started
}

// stopProcess sends SIGTERM, waits up to grace, then kills.
func stopProcess(cmd *exec.Cmd, exited <-chan error, grace time.Duration) error {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		return err
	case <-time.After(grace):
		cmd.Process.Kill()
		err := <-exited
		return fmt.Errorf("did not stop within %v of SIGTERM; killed (%v)", grace, err)
	}
}

// prepare fills in the port, the CPU pinning and the cgroup.
func prepare(cfg SuperviseConfig) (argv []string, ready Ready, group *cgroup.Group, err error) {
	if len(cfg.Argv) == 0 {
		return nil, ready, nil, fmt.Errorf("supervise: no command to run")
	}
	argv = append([]string(nil), cfg.Argv...)
	if cfg.Port {
		if ready.Port, err = freePort(); err != nil {
			return nil, ready, nil, err
		}
		for i := range argv {
			argv[i] = strings.ReplaceAll(argv[i], "{port}", strconv.Itoa(ready.Port))
		}
	}
	if cfg.CPUs != "" {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			return nil, ready, nil, fmt.Errorf("supervise: --cpus %s needs taskset, which is not installed here (util-linux)", cfg.CPUs)
		}
		argv = append([]string{taskset, "-c", cfg.CPUs}, argv...)
	}
	if cfg.Cgroup {
		g, err := cgroup.Create(fmt.Sprintf("loopbench-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6))
		if err != nil {
			ready.Notes = append(ready.Notes, fmt.Sprintf("no cgroup for the server (%v): its CPU comes from /proc's clock ticks and its memory is RSS alone", err))
		} else {
			group, ready.Cgroup, argv = g, g.Layout, g.Wrap(argv)
		}
	}
	return argv, ready, group, nil
}

// freePort is a TCP port free on every address of this host a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
