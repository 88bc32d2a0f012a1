// Package proc starts and stops the processes the harness runs as its
// children: servers, the backend, a supervisor's command, a transport's
// command. A Child is started from an argv, optionally through taskset and
// in a cgroup from its first instruction, pinned to its CPUs, with the tail
// of its output kept for the failure report; it is stopped by its PID, with
// SIGTERM and then SIGKILL after a grace. The runner, torture and remote all
// start their children here, so a fix to process handling lands once.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"loopbench/harness/cgroup"
)

// DefaultGrace is how long a child gets to stop after SIGTERM before
// SIGKILL, unless its Spec says otherwise.
const DefaultGrace = 5 * time.Second

// DefaultKeep is how many bytes of a child's output its tail keeps, unless
// its Spec says otherwise.
const DefaultKeep = 8 << 10

// outputDelay bounds how long a child's exit waits for its output to end:
// a grandchild that inherited the output pipe and outlives the child must
// not keep it from counting as exited.
const outputDelay = time.Second

// Spec is what a child is started with.
type Spec struct {
	// Name is how messages name the child ("server eventloop", "backend").
	Name string
	Argv []string
	// CPUs, when set, pins every thread of the child once it has started.
	// With Taskset (the path of taskset) the child is also started through
	// it, so its runtime sees its CPUs from the first instruction (Go sizes
	// GOMAXPROCS from them); a failed pinning is then no error.
	CPUs    CPUSet
	Taskset string
	// Group, when set, is joined before the child's first instruction.
	Group *cgroup.Group
	// Stdin is the child's standard input (nil: none). Stdout and Stderr
	// receive its output; where nil, the tail keeps it.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Keep is how many bytes of output the tail keeps (0: DefaultKeep).
	Keep int
	// KillWithParent has the kernel kill the child when this process dies,
	// however it dies. Without it the child gets a process group of its
	// own instead, so a Ctrl-C at the terminal reaches only this process,
	// which then stops its children itself.
	KillWithParent bool
	// Grace is how long Stop waits after SIGTERM (0: DefaultGrace).
	Grace time.Duration
}

// Child is a process this process started. It is stopped only by its PID.
type Child struct {
	spec Spec
	cmd  *exec.Cmd
	out  *Tail
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// Start starts s.Argv.
func Start(s Spec) (*Child, error) {
	if len(s.Argv) == 0 {
		return nil, fmt.Errorf("starting %s: no command", s.Name)
	}
	argv := s.Argv
	if len(s.CPUs) > 0 && s.Taskset != "" {
		argv = append([]string{s.Taskset, "-c", s.CPUs.String()}, argv...)
	}
	if s.Group != nil {
		argv = s.Group.Wrap(argv)
	}
	c := &Child{spec: s, cmd: exec.Command(argv[0], argv[1:]...), out: &Tail{Max: cmp(s.Keep, DefaultKeep)}, done: make(chan struct{})}
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = s.Stdin, orTail(s.Stdout, c.out), orTail(s.Stderr, c.out)
	c.cmd.SysProcAttr = sysProcAttr(s.KillWithParent)
	c.cmd.WaitDelay = outputDelay
	started := make(chan error, 1)
	go c.run(started)
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.Name, err)
	}
	if len(s.CPUs) > 0 {
		if err := Pin(c.PID(), s.CPUs); err != nil && s.Taskset == "" {
			c.Kill()
			return nil, err
		}
	}
	return c, nil
}

// run starts the process and waits for it. With KillWithParent it does so
// on a goroutine locked to its OS thread: the parent-death signal fires
// when the thread that started the child ends, so that thread must live as
// long as the child (the lock is never undone; the thread ends with the
// goroutine, after the child).
func (c *Child) run(started chan<- error) {
	if c.spec.KillWithParent {
		runtime.LockOSThread()
	}
	if err := c.cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	c.err = c.cmd.Wait()
	close(c.done)
}

func cmp(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func orTail(w io.Writer, t *Tail) io.Writer {
	if w != nil {
		return w
	}
	return t
}

// Name is the child's name as its Spec gave it.
func (c *Child) Name() string { return c.spec.Name }

// PID is the child's process ID.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Done is closed when the process has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Exited reports whether the process has exited.
func (c *Child) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Err is the process's exit status once Done is closed: nil for status 0.
func (c *Child) Err() error {
	<-c.done
	return c.err
}

// ExitReason describes how the process ended, once Done is closed.
func (c *Child) ExitReason() string {
	if c.Err() == nil {
		return c.spec.Name + " exited with status 0"
	}
	return c.spec.Name + " " + c.err.Error()
}

// Output is the tail of the child's output, trimmed.
func (c *Child) Output() string { return c.out.String() }

// Stop sends SIGTERM, waits up to the grace, then sends SIGKILL. It
// returns the exit error unless the process stopped cleanly; a process that
// had exited already gives nil.
func (c *Child) Stop() error {
	if c.Exited() {
		return nil
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping %s: %w", c.spec.Name, err)
	}
	grace := c.spec.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	select {
	case <-c.done:
		return c.err
	case <-time.After(grace):
		c.Kill()
		return fmt.Errorf("%s did not stop within %v of SIGTERM; killed it", c.spec.Name, grace)
	}
}

// Kill sends SIGKILL and waits for the process to go.
func (c *Child) Kill() {
	c.cmd.Process.Kill()
	<-c.done
}

// Poll calls try every 50 ms until it succeeds, the child exits, ctx ends
// or the timeout passes; the error says which.
func (c *Child) Poll(ctx context.Context, timeout time.Duration, try func() error) error {
	err := Poll(ctx, c.done, timeout, try)
	if errors.Is(err, ErrEnded) {
		return fmt.Errorf("%s before answering", c.ExitReason())
	}
	if err != nil {
		return fmt.Errorf("%s %w", c.spec.Name, err)
	}
	return nil
}

// WaitPort waits until addr accepts a connection, the child exits, ctx ends
// or the timeout passes.
func (c *Child) WaitPort(ctx context.Context, addr string, timeout time.Duration) error {
	return c.Poll(ctx, timeout, func() error { return Dial(addr) })
}

// Dial connects to addr and closes the connection at once: whether
// something listens there.
func Dial(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
	}
	return err
}
