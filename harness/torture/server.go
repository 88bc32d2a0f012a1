package torture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/proc"
	"loopbench/harness/sample"
	"loopbench/servers"
)

// server is one model's `loopbench serve` child process.
type server struct {
	addr  string
	pid   int
	child *proc.Child   // nil for a server this process runs itself (tests)
	group *cgroup.Group // nil where cgroups cannot be used
}

// startServer runs `serve` for the model on a free loopback port, in a
// cgroup of its own where the host allows, with the scenario's extra flags,
// and waits until it accepts connections. Should torture die, the kernel
// kills the server.
func startServer(ctx context.Context, o Options, modelName string, sc Scenario) (*server, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	e, v, err := servers.LookupSeries(modelName)
	if err != nil {
		return nil, err
	}
	argv := append([]string{o.Binary, "serve", "--model", e.Name, "--addr", addr,
		"--head-timeout", o.HeadTimeout.String(), "--shutdown-timeout", "5s"}, v.Flags...)
	if o.DataDir != "" {
		argv = append(argv, "--data", o.DataDir)
	}
	s := &server{addr: addr}
	if g, err := cgroup.Create(fmt.Sprintf("loopbench-torture-%d-%s-%s", os.Getpid(), strings.ReplaceAll(modelName, "/", "-"), sc.Name)); err == nil {
		s.group = g
	}
	c, err := proc.Start(proc.Spec{Name: "server " + modelName, Argv: argv, Group: s.group, Keep: 2 << 10, KillWithParent: true, Grace: 6 * time.Second})
	if err != nil {
		s.removeGroup()
		return nil, err
	}
	s.child, s.pid = c, c.PID()
	if err := c.WaitPort(ctx, addr, 10*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w; its output: %s", err, c.Output())
	}
	return s, nil
}

// exited returns why the server has ended, or nil while it runs.
func (s *server) exited() error {
	switch {
	case s.child == nil || !s.child.Exited():
		return nil
	case s.child.Err() == nil:
		return errors.New("exited with status 0 before it was stopped")
	}
	return fmt.Errorf("%v; last output: %s", s.child.Err(), strings.ReplaceAll(s.child.Output(), "\n", " | "))
}

// stop asks the server to stop, kills it if it does not within its grace,
// and removes its cgroup.
func (s *server) stop() {
	if s.child != nil {
		s.child.Stop()
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
func (s *server) setFileLimit(n uint64) error { return proc.SetFileLimit(s.pid, n) }

// snapshot is the server's resources at one instant.
type snapshot struct {
	fds, threads        int
	rss, memory, kernel int64
	cpu                 time.Duration // user and system time so far
}

// snapshot reads the server from /proc, as harness/sample reads a measured
// server, and its cgroup; a server that cannot be read gives zeros.
func (s *server) snapshot() snapshot {
	var sn snapshot
	if st, err := sample.ReadLight(s.pid); err == nil {
		sn.fds, sn.threads, sn.rss, sn.cpu = st.FDs, st.Threads, st.RSS, st.CPU()
	}
	sn.memory = sn.rss
	if s.group != nil {
		if u, err := s.group.Read(); err == nil {
			sn.memory, sn.kernel = u.Memory, u.Kernel+u.Sock
		}
	}
	return sn
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
