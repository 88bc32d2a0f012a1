package torture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"loopbench/harness/cgroup"
)

// server is one model's `loopbench serve` child process.
type server struct {
	addr  string
	cmd   *exec.Cmd
	group *cgroup.Group // nil where cgroups cannot be used
	done  chan struct{}
	err   error // Wait's result, once done is closed
	log   *tail
}

// startServer runs `serve` for the model on a free loopback port, in a
// cgroup of its own where the host allows, with the scenario's extra flags,
// and waits until it accepts connections.
func startServer(ctx context.Context, o Options, modelName string, sc Scenario) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	argv := []string{o.Binary, "serve", "--model", modelName, "--addr", addr,
		"--head-timeout", o.HeadTimeout.String(), "--shutdown-timeout", "5s"}
	if o.DataDir != "" {
		argv = append(argv, "--data", o.DataDir)
	}
	s := &server{addr: addr, done: make(chan struct{}), log: &tail{}}
	if g, err := cgroup.Create(fmt.Sprintf("loopbench-torture-%d-%s-%s", os.Getpid(), modelName, sc.Name)); err == nil {
		s.group = g
		argv = g.Wrap(argv)
	}
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = childAttr()
	if err := s.cmd.Start(); err != nil {
		s.removeGroup()
		return nil, err
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	if err := s.waitListening(ctx, 10*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; its output: %s", err, s.log.String())
	}
	return s, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *server) waitListening(ctx context.Context, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := s.exited(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("server did not listen on %s within %v", s.addr, limit)
}

// pid is the server's process; /bin/sh execs it in place when wrapped.
func (s *server) pid() int { return s.cmd.Process.Pid }

// exited returns why the server has ended, or nil while it runs.
func (s *server) exited() error {
	select {
	case <-s.done:
		if s.err == nil {
			return errors.New("exited with status 0 before it was stopped")
		}
		return fmt.Errorf("%v; last output: %s", s.err, strings.ReplaceAll(s.log.String(), "\n", " | "))
	default:
		return nil
	}
}

// stop asks the server to stop, kills it if it does not within a bound,
// and removes its cgroup.
func (s *server) stop() {
	if s.exited() == nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(6 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	s.removeGroup()
}

func (s *server) removeGroup() {
	if s.group != nil {
		s.group.Remove()
		s.group = nil
	}
}

func (s *server) memorySource() string {
	if s.group != nil {
		return "cgroup " + s.group.Layout
	}
	return "proc"
}

// setFileLimit sets the server's RLIMIT_NOFILE, soft and hard.
func (s *server) setFileLimit(n uint64) error {
	lim := syscall.Rlimit{Cur: n, Max: n}
	return prlimit(s.pid(), syscall.RLIMIT_NOFILE, &lim)
}

// snapshot is the server's resources at one instant.
type snapshot struct {
	fds, threads        int
	rss, memory, kernel int64
	cpu                 time.Duration // user and system time so far
}

func (s *server) snapshot() snapshot {
	var sn snapshot
	pid := strconv.Itoa(s.pid())
	if ents, err := os.ReadDir("/proc/" + pid + "/fd"); err == nil {
		sn.fds = len(ents)
	}
	if b, err := os.ReadFile("/proc/" + pid + "/status"); err == nil {
		sn.threads = int(statusField(b, "Threads:"))
		sn.rss = statusField(b, "VmRSS:") << 10
	}
	sn.cpu = procCPU(pid)
	sn.memory = sn.rss
	if s.group != nil {
		if u, err := s.group.Read(); err == nil {
			sn.memory, sn.kernel = u.Memory, u.Kernel+u.Sock
		}
	}
	return sn
}

// statusField reads a number after name in /proc/PID/status.
func statusField(b []byte, name string) int64 {
	i := bytes.Index(b, []byte(name))
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+len(name):]))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n
}

// procCPU is the process's user plus system time from /proc/PID/stat.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// sampler keeps the peaks of the server's snapshots, every 100 ms.
type sampler struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	peak  snapshot
}

func (s *server) sample() *sampler {
	sm := &sampler{stopc: make(chan struct{})}
	sm.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			sm.take(s.snapshot())
			select {
			case <-sm.stopc:
				return
			case <-t.C:
			}
		}
	})
	return sm
}

func (sm *sampler) take(sn snapshot) {
	p := &sm.peak
	p.fds, p.threads = max(p.fds, sn.fds), max(p.threads, sn.threads)
	p.rss, p.memory, p.kernel = max(p.rss, sn.rss), max(p.memory, sn.memory), max(p.kernel, sn.kernel)
}

func (sm *sampler) stop() snapshot {
	close(sm.stopc)
	sm.wg.Wait()
	return sm.peak
}

// checkServes makes one request on a fresh connection.
func checkServes(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(plaintextGet)); err != nil {
		return err
	}
	return readAnswer(bufio.NewReader(c))
}

// tail keeps the last 2 KiB a server printed, for error messages.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = append(t.b[:0], t.b[len(t.b)-2048:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}
