package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/meter"
	"loopbench/harness/proc"
	"loopbench/harness/results"
	"loopbench/harness/sample"
	"loopbench/harness/validity"
	"loopbench/harness/workload"
	"loopbench/servers/model"
)

// localHost runs the servers on this machine, each a child pinned to the
// server's CPUs in a cgroup of its own where the host allows one, and the
// backend on the client's CPUs.
type localHost struct {
	r        *Runner
	dataDir  string
	backend  *proc.Child
	backAddr string
	// groups counts the cgroups made for servers; noGroups is set once the
	// host refused one.
	groups   int
	noGroups bool
}

// setUp writes the data files and starts the backend. Both run on the
// client's CPUs, so the server's CPUs measure the server alone.
func (h *localHost) setUp(data, backend bool) error {
	r := h.r
	if data {
		h.dataDir = filepath.Join(r.tmp, "data")
		out, err := exec.Command(r.cfg.Binary, "data", "--dir", h.dataDir).CombinedOutput()
		if err != nil {
			return fmt.Errorf("writing the data files with `%s data`: %v: %s", r.cfg.Binary, err, strings.TrimSpace(string(out)))
		}
	}
	if !backend {
		return nil
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	argv := []string{r.cfg.Binary, "backend", "--addr", addr}
	if data {
		argv = append(argv, "--data", h.dataDir) // /fifo's FIFOs, beside the servers' data files
	}
	c, err := proc.Start(proc.Spec{Name: "backend", Argv: argv, CPUs: r.client, Taskset: r.taskset})
	if err != nil {
		return err
	}
	h.backend, h.backAddr = c, addr
	if err := c.WaitPort(context.Background(), addr, readyTimeout); err != nil {
		return fmt.Errorf("the backend did not start: %v: %s", err, c.Output())
	}
	r.note(fmt.Sprintf("the backend that /upstream calls runs on the load generator's CPUs %s; its CPU time counts in the client's utilization (client-bound flag), not in the server's figures", r.client))
	return nil
}

func (h *localHost) tearDown() {
	if h.backend != nil {
		h.backend.Stop()
	}
}

func (h *localHost) place(p *results.Point, w *workload.Workload, l workload.Level) {
	p.ServerCPUs, p.ClientCPUs = h.r.serverCPUs(w, l).String(), h.r.client.String()
}

// start starts `loopbench serve` on a free port, pinned to its CPUs, with
// its stats file in the run's temporary directory.
func (h *localHost) start(s serverSpec) (*server, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return nil, err
	}
	stats, err := os.CreateTemp(h.r.tmp, "stats-*.json")
	if err != nil {
		return nil, err
	}
	stats.Close()
	os.Remove(stats.Name()) // the server writes it on stop; a stale file would be misread
	ls := &localServer{stats: stats.Name(), group: h.newGroup(), cpus: s.cpus}
	argv := append([]string{s.binary}, s.serveArgs(addr, ls.stats, h.dataDir, h.backAddr)...)
	ls.child, err = proc.Start(proc.Spec{Name: "server " + s.model, Argv: argv, CPUs: s.cpus, Taskset: h.r.taskset, Group: ls.group})
	if err != nil {
		ls.removeGroup()
		return nil, err
	}
	mc := meter.Config{PID: ls.child.PID(), Group: ls.group, ClientCPUs: len(h.r.client), ServerCPUs: s.cpus}
	if s.backend && h.backend != nil {
		mc.BackendPID = h.backend.PID() // it shares the client's CPUs
	}
	ls.m = meter.New(mc)
	return &server{name: ls.child.Name(), addr: addr, proc: ls}, nil
}

// newGroup makes a cgroup for the next server, so its CPU time is read in
// nanoseconds and its memory with the kernel's share. Where the host allows
// none, the runner says so once and measures from /proc alone.
func (h *localHost) newGroup() *cgroup.Group {
	if h.noGroups {
		return nil
	}
	h.groups++
	g, err := cgroup.Create(fmt.Sprintf("loopbench-%d-%d", os.Getpid(), h.groups))
	if err != nil {
		h.noGroups = true
		h.r.note(fmt.Sprintf("no cgroup for the servers (%v): server CPU comes from /proc's clock ticks and memory is RSS alone, without the kernel's share", err))
		return nil
	}
	if h.groups == 1 {
		h.r.note(fmt.Sprintf("each server runs in a cgroup of its own (%s, e.g. %s): CPU time in nanoseconds, memory with the kernel's share (stacks, page tables, slab, socket buffers)", g.Layout, strings.Join(g.Dirs(), " and ")))
	}
	return g
}

// localServer is a `loopbench serve` child of this process. One meter reads
// the server and the client over the same window.
type localServer struct {
	child *proc.Child
	stats string        // the file it writes its statistics to on stop
	group *cgroup.Group // its own cgroup, or nil where the host has none
	cpus  proc.CPUSet
	m     *meter.Meter
}

// ready pins the server again: threads started while it got ready
// inherited the affinity already, but a server started without taskset may
// have made threads between its start and the first pinning.
func (ls *localServer) ready() error {
	if err := proc.Pin(ls.child.PID(), ls.cpus); err != nil && !ls.child.Exited() {
		return err
	}
	return nil
}

func (ls *localServer) meter() *meter.Meter { return ls.m }

// sample has the server's figures in p already: the meter filled them with
// the client's. A server that went away from /proc fails the point.
func (ls *localServer) sample(p *results.Point, w *window) (validity.Kernel, error) {
	k := validity.Kernel{Window: ls.m.Kernel(), Life: ls.m.LifeKernel()}
	if err := ls.m.ServerErr(); errors.Is(err, sample.ErrGone) {
		return k, &lostError{fmt.Sprintf("%s exited during the point (%v)", ls.child.Name(), err)}
	}
	return k, nil
}

func (ls *localServer) done() <-chan struct{} { return ls.child.Done() }

func (ls *localServer) ended(when string) string { return ls.child.ExitReason() + " " + when }

func (ls *localServer) output() string { return ls.child.Output() }

// stop stops the server and, once it has exited, removes its cgroup.
func (ls *localServer) stop() error {
	err := ls.child.Stop()
	ls.removeGroup()
	return err
}

func (ls *localServer) removeGroup() {
	if ls.group != nil && (ls.child == nil || ls.child.Exited()) {
		ls.group.Remove()
		ls.group = nil
	}
}

// result reads the statistics the server wrote on stop, if it measures
// any. Its readings are stamped on this host's clock.
func (ls *localServer) result() (*model.Stats, time.Duration, error) {
	defer os.Remove(ls.stats)
	stats, ok, err := model.ReadStats(ls.stats)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !ok) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return &stats, 0, nil
}
