// Package syscount counts the system calls a process and its threads make
// over a window, with the kernel's own counters: perf stat counting the
// raw_syscalls:sys_enter tracepoint (and one syscalls:sys_enter_NAME
// tracepoint per call of interest) on the process, switched on and off
// through perf's control descriptors. Nothing traces the process: no
// ptrace, no stop per call, as strace would make, so the server batches
// its work as it does untraced. Threads the process creates while counting
// are counted too (perf's counters are inherited).
package syscount

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Total is the event that counts every system call.
const Total = "raw_syscalls:sys_enter"

// Calls are the system calls counted one by one where the kernel has their
// tracepoint: the data path of the models (reads, writes, sends and
// receives, their waits) and what their runtimes and thread handoffs add.
var Calls = []string{
	"read", "write", "writev", "recvfrom", "sendto",
	"epoll_wait", "epoll_pwait", "epoll_ctl", "io_uring_enter",
	"accept4", "close", "setsockopt", "futex", "nanosleep", "sched_yield",
}

// Counts is what a window counted: every call, and the calls of Calls the
// kernel has tracepoints for.
type Counts struct {
	Total int64
	By    map[string]int64
	// NotCounted names the calls perf could not count (a thread that ended
	// while perf attached to it, say); they are in Total, not in By.
	NotCounted []string
}

// Counter is a perf stat process counting one process's calls.
type Counter struct {
	cmd      *exec.Cmd
	ctl, ack *os.File // perf's control descriptor (we write) and its acknowledgements (we read)
	out      string
	stderr   bytes.Buffer
}

// Events returns the perf events for calls: Total, then the tracepoint of
// each call whose tracepoint exists in tracefs (a kernel without
// CONFIG_FTRACE_SYSCALLS, or without tracefs mounted, has none).
func Events(calls []string) []string {
	events := []string{Total}
	for _, c := range calls {
		for _, root := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
			if _, err := os.Stat(filepath.Join(root, "events/syscalls/sys_enter_"+c)); err == nil {
				events = append(events, "syscalls:sys_enter_"+c)
				break
			}
		}
	}
	return events
}

// Start attaches perf stat to pid with events, counting nothing until
// Enable. dir holds perf's output.
func Start(pid int, events []string, dir string) (*Counter, error) {
	perf, err := exec.LookPath("perf")
	if err != nil {
		return nil, errors.New("syscount: perf is not installed; install it with scripts/install-perf.sh (Debian's linux-perf)")
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ackR, ackW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, err
	}
	c := &Counter{ctl: ctlW, ack: ackR, out: filepath.Join(dir, "perf-stat.csv")}
	// fd 3 and 4 in perf are ExtraFiles[0] and [1]; -D -1 starts disabled.
	c.cmd = exec.Command(perf, "stat", "-x", ",", "-D", "-1", "--control", "fd:3,4", "-o", c.out,
		"-e", strings.Join(events, ","), "-p", strconv.Itoa(pid))
	c.cmd.ExtraFiles = []*os.File{ctlR, ackW}
	c.cmd.Stderr = &c.stderr
	err = c.cmd.Start()
	ctlR.Close()
	ackW.Close()
	if err != nil {
		ctlW.Close()
		ackR.Close()
		return nil, fmt.Errorf("syscount: starting perf: %w", err)
	}
	return c, nil
}

// Enable starts counting; it returns once perf has acknowledged.
func (c *Counter) Enable() error { return c.command("enable") }

// Disable stops counting.
func (c *Counter) Disable() error { return c.command("disable") }

// command sends perf a control command and waits up to 10 s for its ack.
func (c *Counter) command(cmd string) error {
	if _, err := c.ctl.WriteString(cmd + "\n"); err != nil {
		return fmt.Errorf("syscount: perf %s: %w (perf said: %s)", cmd, err, strings.TrimSpace(c.stderr.String()))
	}
	_ = c.ack.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 5)
	if _, err := c.ack.Read(buf); err != nil || !bytes.HasPrefix(buf, []byte("ack")) {
		return fmt.Errorf("syscount: perf did not acknowledge %q: %v (perf said: %s)", cmd, err, strings.TrimSpace(c.stderr.String()))
	}
	return nil
}

// Stop ends perf and returns what it counted while enabled.
func (c *Counter) Stop() (Counts, error) {
	defer c.ctl.Close()
	defer c.ack.Close()
	_ = c.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
		return Counts{}, errors.New("syscount: perf did not stop within 10 s of SIGINT")
	}
	b, err := os.ReadFile(c.out)
	if err != nil {
		return Counts{}, fmt.Errorf("syscount: perf wrote no counts (%v); perf said: %s", err, strings.TrimSpace(c.stderr.String()))
	}
	return Parse(b)
}

// Parse reads perf stat's CSV output (-x ,): value,unit,event,... per line.
// Total not counted is an error naming it; a call not counted is listed in
// NotCounted.
func Parse(b []byte) (Counts, error) {
	counts := Counts{Total: -1, By: map[string]int64{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "Events ") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 3 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		call, isCall := strings.CutPrefix(f[2], "syscalls:sys_enter_")
		switch {
		case err != nil && isCall:
			counts.NotCounted = append(counts.NotCounted, call)
		case err != nil:
			return Counts{}, fmt.Errorf("syscount: perf could not count %s: %q", f[2], f[0])
		case f[2] == Total:
			counts.Total = n
		case isCall:
			counts.By[call] = n
		}
	}
	if counts.Total < 0 {
		return Counts{}, fmt.Errorf("syscount: perf's output has no %s count", Total)
	}
	return counts, nil
}
