package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"loopbench/harness/proc"
)

// Proc is a process started on a host under `loopbench supervise`. Its
// transport is a child of this process (harness/proc), stopped by its PID;
// the kernel kills the transport should this process die, which the
// supervisor sees as the end of its stdin.
type Proc struct {
	Host  string
	Ready Ready
	t     Transport
	argv  []string
	child *proc.Child
	stdin *os.File // the write end of the transport's stdin

	ready chan Ready // the Ready line, once read

	mu    sync.Mutex
	lines int   // lines read from the supervisor
	exit  *Exit // its Exit line, once read
}

// spawn starts p.argv on p.Host with its stdin a pipe (closing it stops a
// supervised command), each line of its stdout passed to line, and the
// last tailMax bytes of its stderr kept.
func (p *Proc) spawn(tailMax int, line func([]byte)) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	p.stdin = w
	p.child, err = proc.Start(proc.Spec{Name: "the transport", Argv: p.t.argv(p.Host, p.argv), Stdin: r, Stdout: proc.Lines(line),
		Keep: tailMax, KillWithParent: true})
	if err != nil {
		w.Close()
		return p.t.errorf(p.Host, p.argv, err, "")
	}
	return nil
}

// Start runs argv (a `loopbench supervise ... -- COMMAND` line) on host and
// waits up to timeout for the supervisor's Ready line.
func (t Transport) Start(host string, argv []string, timeout time.Duration) (*Proc, error) {
	p := &Proc{Host: host, t: t, argv: argv, ready: make(chan Ready, 1)}
	if err := p.spawn(8<<10, p.read); err != nil {
		return nil, err
	}
	select {
	case r := <-p.ready:
		p.Ready = r
		return p, nil
	case <-p.Done():
		return nil, p.ended()
	case <-time.After(timeout):
		p.kill()
		return nil, t.errorf(host, argv, fmt.Errorf("no answer within %v", timeout), p.Stderr())
	}
}

// read takes the supervisor's lines: the Ready line, then the Exit line.
func (p *Proc) read(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines++
	if p.lines == 1 {
		var r Ready
		if json.Unmarshal(line, &r) == nil && r.PID > 0 {
			p.ready <- r
		}
		return
	}
	var e Exit
	if json.Unmarshal(line, &e) == nil && e.Status != "" {
		p.exit = &e
	}
}

// Done is closed when the transport has exited.
func (p *Proc) Done() <-chan struct{} { return p.child.Done() }

// Stderr is the tail of the remote process's output.
func (p *Proc) Stderr() string { return p.child.Output() }

// Ended says, once Done, why the remote process is no longer running: its
// exit as the supervisor reported it, or, without an Exit line, that the
// transport ended before the supervisor could report (ErrEnded).
func (p *Proc) Ended() error {
	p.mu.Lock()
	exit := p.exit
	p.mu.Unlock()
	if exit != nil {
		return fmt.Errorf("%s on %s: %s", commandName(supervised(p.argv)), p.Host, exit.Status)
	}
	return p.ended()
}

// ended is the error of a transport that ended, once Done.
func (p *Proc) ended() error {
	return p.t.errorf(p.Host, p.argv, fmt.Errorf("%w (%v)", ErrEnded, p.child.Err()), p.child.Output())
}

// Stop closes the supervisor's stdin, which stops the remote process
// (SIGTERM, then SIGKILL after its grace), and waits for the Exit line and
// the transport, up to wait; then the transport is killed. It returns the
// Exit line, or an error when there was none.
func (p *Proc) Stop(wait time.Duration) (Exit, error) {
	p.stdin.Close()
	select {
	case <-p.Done():
	case <-time.After(wait):
		p.kill()
	}
	p.mu.Lock()
	exit := p.exit
	p.mu.Unlock()
	if exit == nil {
		return Exit{}, p.ended()
	}
	return *exit, nil
}

// kill kills the transport (this process's child) and waits for it.
func (p *Proc) kill() { p.child.Kill() }

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
