// Package child runs a model's server as a child process for exactly as
// long as the model's Serve runs: the models whose server is another
// program (node, the C pthread server) share it.
package child

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"loopbench/servers/model"
)

// Spec is the child to run.
type Spec struct {
	// Model names the model in errors ("node model"), Program the child
	// ("node").
	Model, Program string
	// Path, Args (without the program's name) and Env (nil: this
	// process's) are the child's command.
	Path string
	Args []string
	Env  []string
	// Stderr receives the child's standard error beside the tail kept for
	// errors.
	Stderr io.Writer
	// StopTimeout is how long after SIGTERM the child is killed.
	StopTimeout time.Duration
}

// Serve runs the child until ctx is cancelled, then stops it with SIGTERM
// (SIGKILL after StopTimeout) and returns model.ErrServerClosed after a
// clean exit. If the child exits on its own, or not cleanly, the error
// carries the end of its standard error.
func Serve(ctx context.Context, s Spec) error {
	if ctx.Err() != nil {
		return model.ErrServerClosed
	}
	var tail Tail
	cmd := exec.CommandContext(ctx, s.Path, s.Args...)
	cmd.Env = s.Env
	cmd.Stderr = io.MultiWriter(s.Stderr, &tail)
	cmd.SysProcAttr = SysProcAttr()
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = s.StopTimeout
	// The parent-death signal fires when the thread that forked the child
	// exits, and Go ends a thread whose locked goroutine exits (as the
	// threaded model's do). Holding this thread until the child is reaped
	// keeps the child alive for exactly as long as Serve runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start %s: %w", s.Model, s.Path, err)
	}
	err := cmd.Wait()
	switch {
	case ctx.Err() == nil:
		return fmt.Errorf("%s: %s exited before it was stopped (%v): %s", s.Model, s.Program, err, tail.String())
	case cmd.ProcessState == nil || !cmd.ProcessState.Success():
		return fmt.Errorf("%s: %s did not stop cleanly (%v): %s", s.Model, s.Program, err, tail.String())
	}
	return model.ErrServerClosed
}

// Tail keeps the last TailSize bytes written to it, for error messages.
type Tail struct {
	mu  sync.Mutex
	buf []byte
}

// TailSize is how much of a child's standard error an error carries.
const TailSize = 2048

// Write keeps p, dropping what falls more than TailSize bytes back.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > TailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-TailSize:]...)
	}
	return len(p), nil
}

// String returns the kept output, trimmed.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
