package runner

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"loopbench/harness/cgroup"
)

// stopGrace is how long a child gets to stop after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// child is a process the runner started: a server, the backend. The runner
// stops only the children it started, by their PID.
type child struct {
	name string
	cmd  *exec.Cmd
	out  *tail
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// startChild starts argv with its output kept in a tail buffer, in group
// from its first instruction when group is not nil. With a
// non-empty CPU set and taskset installed, the child is started through
// taskset, so its runtime sees its CPUs from the first instruction (Go sizes
// GOMAXPROCS from them); every thread is also pinned once it has started.
func startChild(name string, cpus CPUSet, taskset string, group *cgroup.Group, argv ...string) (*child, error) {
	if len(cpus) > 0 && taskset != "" {
		argv = append([]string{taskset, "-c", cpus.String()}, argv...)
	}
	if group != nil {
		argv = group.Wrap(argv)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	t := &tail{max: 8 << 10}
	cmd.Stdout, cmd.Stderr = t, t
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, out: t, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	if len(cpus) > 0 {
		if err := pin(c.pid(), cpus); err != nil && taskset == "" {
			c.kill()
			return nil, err
		}
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// exitReason describes how the process ended.
func (c *child) exitReason() string {
	if c.err == nil {
		return c.name + " exited with status 0"
	}
	return c.name + " " + c.err.Error()
}

// stop sends SIGTERM, waits up to stopGrace, then sends SIGKILL. It returns
// the exit error unless the process stopped cleanly.
func (c *child) stop() error {
	if c.exited() {
		return nil
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping %s: %w", c.name, err)
	}
	select {
	case <-c.done:
		return c.err
	case <-time.After(stopGrace):
		c.kill()
		return fmt.Errorf("%s did not stop within %v of SIGTERM; killed it", c.name, stopGrace)
	}
}

// kill sends SIGKILL and waits for the process to go.
func (c *child) kill() {
	c.cmd.Process.Kill()
	<-c.done
}

// waitPort waits until addr accepts a connection, the child exits, or the
// timeout passes.
func (c *child) waitPort(addr string, timeout time.Duration) error {
	return c.poll(timeout, func() error {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err
	})
}

// poll calls try every 50 ms until it succeeds, the child exits or the
// timeout passes; the error says which.
func (c *child) poll(timeout time.Duration, try func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := try()
		if err == nil {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s before answering", c.exitReason())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %v: %v", c.name, timeout, err)
		}
	}
}

// freePort returns a TCP address on 127.0.0.1 that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tail keeps the last max bytes written to it: a child's output, for the
// failure report.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// String returns the kept output, trimmed.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

var _ io.Writer = (*tail)(nil)
