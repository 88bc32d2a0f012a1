// Package remote runs loopbench on other hosts through the remote-execution
// tools people already use, never through a daemon of its own: a Transport
// is a command template such as `ssh -o BatchMode=yes {host}` (the
// default), `kubectl exec -i {host} --`, `docker exec -i {host}` or, in
// tests, `ip netns exec {host}`, followed by the command to run there.
// Nothing new listens on a port, and access control stays with ssh.
//
// The pieces, in the order a run uses them:
//
//  1. Install copies loopbench's own binary to a host through the transport
//     (streamed over stdin, named and checked by its SHA-256, reused when
//     already there).
//  2. Start runs `loopbench supervise -- serve ...` there: the supervisor
//     gives the server a cgroup, prints its PID and port, and stops it as
//     soon as its stdin closes, which is what a dropped transport does, so
//     nothing is left running on the host.
//  3. Sample runs `loopbench sample --pid PID` there and keeps the readings
//     it streams back every 100 ms; Window turns them into a point's server
//     figures over the load generator's measured window.
package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"loopbench/harness/proc"
)

// DefaultTemplate is the transport when none is given.
const DefaultTemplate = "ssh -o BatchMode=yes {host}"

// Transport runs commands on a host: the template's words with {host}
// replaced, then the command's own arguments.
type Transport struct {
	template []string
	// quote is set for ssh, which joins its arguments into one line for the
	// remote shell: each argument is then quoted for a POSIX shell. The
	// other tools (kubectl exec, docker exec, ip netns exec) pass argv as is.
	quote bool
}

// Parse reads a template: words separated by spaces, one of which holds {host}.
func Parse(template string) (Transport, error) {
	words := strings.Fields(template)
	if len(words) == 0 || !strings.Contains(template, "{host}") {
		return Transport{}, fmt.Errorf("transport %q: the template must say where the host goes with {host}, e.g. %q", template, DefaultTemplate)
	}
	return Transport{template: words, quote: filepath.Base(words[0]) == "ssh"}, nil
}

// String is the template as given.
func (t Transport) String() string { return strings.Join(t.template, " ") }

// Command returns the command that runs argv on host.
func (t Transport) Command(ctx context.Context, host string, argv ...string) *exec.Cmd {
	full := t.argv(host, argv)
	return exec.CommandContext(ctx, full[0], full[1:]...)
}

// argv is the command line that runs argv on host: the template's words,
// {host} replaced, then argv (quoted for ssh's remote shell).
func (t Transport) argv(host string, argv []string) []string {
	var full []string
	for _, w := range t.template {
		full = append(full, strings.ReplaceAll(w, "{host}", host))
	}
	for _, a := range argv {
		if t.quote {
			a = shellQuote(a)
		}
		full = append(full, a)
	}
	return full
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell, leaving plain words as they are.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Output runs a short command on host with stdin (nil: none) and returns
// its standard output. The error names the host, the transport and the
// command, with the tail of its standard error.
func (t Transport) Output(ctx context.Context, host string, stdin io.Reader, argv ...string) ([]byte, error) {
	cmd := t.Command(ctx, host, argv...)
	var stdout bytes.Buffer
	stderr := &proc.Tail{Max: 4 << 10}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), t.errorf(host, argv, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// errorf describes a command that failed on host.
func (t Transport) errorf(host string, argv []string, err error, stderr string) error {
	msg := fmt.Sprintf("%s on %s through %q: %v", commandName(argv), host, t.String(), err)
	if stderr != "" {
		msg += ": " + stderr
	}
	return &Error{Host: host, msg: msg, err: err}
}

// Error is a command that failed on a host, or whose transport did.
type Error struct {
	Host string
	msg  string
	err  error
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// commandName is how errors name a remote command: its program and, for
// loopbench, its subcommand.
func commandName(argv []string) string {
	if len(argv) == 0 {
		return "the command"
	}
	name := filepath.Base(argv[0])
	if strings.HasPrefix(name, "loopbench") && len(argv) > 1 {
		return "loopbench " + argv[1]
	}
	return name
}

// ErrEnded is wrapped by the errors of a remote process whose transport
// ended before the process was stopped.
var ErrEnded = errors.New("the transport ended")
