package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"
)

// Proc is a process started on a host under `loopbench supervise`. Its
// transport is a child of this process, stopped by its PID.
type Proc struct {
	Host  string
	Ready Ready
	t     Transport
	argv  []string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	errs  *Tail
	done  chan struct{} // closed once the transport has exited
	err   error         // the transport's exit status, once done

	mu      sync.Mutex
	exit    *Exit
	stopped bool
}

// spawn starts argv on host with its stdin a pipe (closing it stops a
// supervised command) and the last tailMax bytes of its stderr kept, and
// returns its stdout.
func (t Transport) spawn(host string, argv []string, tailMax int) (*Proc, io.ReadCloser, error) {
	cmd := t.Command(context.Background(), host, argv...)
	p := &Proc{Host: host, t: t, argv: argv, cmd: cmd, errs: &Tail{Max: tailMax}, done: make(chan struct{})}
	cmd.Stderr = p.errs
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, t.errorf(host, argv, err, "")
	}
	return p, stdout, nil
}

// Start runs argv (a `loopbench supervise ... -- COMMAND` line) on host and
// waits up to timeout for the supervisor's Ready line.
func (t Transport) Start(host string, argv []string, timeout time.Duration) (*Proc, error) {
	p, stdout, err := t.spawn(host, argv, 8<<10)
	if err != nil {
		return nil, err
	}
	ready := make(chan Ready, 1)
	go p.read(stdout, ready)
	select {
	case r := <-ready:
		p.Ready = r
		return p, nil
	case <-p.done:
		return nil, p.ended()
	case <-time.After(timeout):
		p.kill()
		return nil, t.errorf(host, argv, fmt.Errorf("no answer within %v", timeout), p.errs.String())
	}
}

// read takes the Ready line, then the Exit line, then waits for the transport.
func (p *Proc) read(stdout io.Reader, ready chan<- Ready) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	if sc.Scan() {
		var r Ready
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.PID > 0 {
			ready <- r
		}
	}
	for sc.Scan() {
		var e Exit
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Status != "" {
			p.mu.Lock()
			p.exit = &e
			p.mu.Unlock()
		}
	}
	p.err = p.cmd.Wait()
	close(p.done)
}

// Done is closed when the transport has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Stderr is the tail of the remote process's output.
func (p *Proc) Stderr() string { return p.errs.String() }

// Ended says, once Done, why the remote process is no longer running: its
// exit as the supervisor reported it, or, without an Exit line, that the
// transport ended before the supervisor could report (ErrEnded).
func (p *Proc) Ended() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit != nil {
		return fmt.Errorf("%s on %s: %s", commandName(supervised(p.argv)), p.Host, p.exit.Status)
	}
	return p.endedLocked()
}

func (p *Proc) ended() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.endedLocked()
}

func (p *Proc) endedLocked() error {
	return p.t.errorf(p.Host, p.argv, fmt.Errorf("%w (%v)", ErrEnded, p.err), p.errs.String())
}

// Stop closes the supervisor's stdin, which stops the remote process
// (SIGTERM, then SIGKILL after its grace), and waits for the Exit line and
// the transport, up to wait; then the transport is killed. It returns the
// Exit line, or an error when there was none.
func (p *Proc) Stop(wait time.Duration) (Exit, error) {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(wait):
		p.kill()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit == nil {
		return Exit{}, p.endedLocked()
	}
	return *p.exit, nil
}

// kill kills the transport (this process's child) and waits for it.
func (p *Proc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// IsEnded reports whether err says a transport ended unexpectedly.
func IsEnded(err error) bool { return errors.Is(err, ErrEnded) }

// supervised is the command a supervise line runs: what follows "--".
func supervised(argv []string) []string {
	for i, a := range argv {
		if a == "--" {
			return argv[i+1:]
		}
	}
	return argv
}
