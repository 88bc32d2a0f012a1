package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"loopbench/harness/hostinfo"
	"loopbench/harness/proc"
	"loopbench/harness/remote"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// RemoteConfig runs the backend and every server on another host, reached
// through a transport (harness/remote), and optionally the load from
// several others.
type RemoteConfig struct {
	Transport  remote.Transport
	ServerHost string
	// ServerAddr is the address the load generators and this process
	// connect to the server at (the server listens on every address of
	// its host); empty: ServerHost.
	ServerAddr string
	// ClientHosts, if any, generate the load (`loopbench load --share i/N`)
	// instead of this process, which then only coordinates.
	ClientHosts []string
	// Binary is loopbench's path on every host; empty: Install copies this
	// binary into Dir on each.
	Binary string
	// Dir is where loopbench is installed and the run keeps its files on
	// the hosts (default remote.DefaultDir).
	Dir string
}

// remoteHost runs the servers and the backend on the server's host,
// through a transport, and knows the client hosts that may generate the
// load: it is the state of a run over remote hosts.
type remoteHost struct {
	r        *Runner
	cfg      *RemoteConfig
	t        remote.Transport
	bins     map[string]string // loopbench's path on each host
	sideBins map[string]string // each A/B side's own binary on the server's host, by its path here
	clocks   map[string]clock  // each host's clock against this one's
	work     string            // the run's directory on the server host
	dataDir  string            // the data files there
	backend  *remote.Proc
	backAddr string // the backend's address as the servers reach it
	servers  int    // servers started, for unique file names
	// cpus are the server host's CPUs that a level giving the server k
	// CPUs takes the first k of (cpucounts.go); nil unless a workload
	// sweeps CPU counts.
	cpus proc.CPUSet
}

// clock is a host's clock offset from this one's, within ±bound.
type clock struct{ offset, bound time.Duration }

// remoteStart bounds how long a remote command may take to start (an ssh
// connection, a kubectl exec).
const remoteStart = time.Minute

// serverAddr is the address the server is reached at.
func (c *RemoteConfig) serverAddr() string {
	if c.ServerAddr != "" {
		return c.ServerAddr
	}
	return c.ServerHost
}

// hosts are every remote host of the run, the server's first.
func (c *RemoteConfig) hosts() []string {
	hs := []string{c.ServerHost}
	for _, h := range c.ClientHosts {
		if !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	return hs
}

func newRemoteHost(r *Runner) *remoteHost {
	c := r.cfg.Remote
	return &remoteHost{r: r, cfg: c, t: c.Transport, bins: map[string]string{}, sideBins: map[string]string{}, clocks: map[string]clock{}}
}

// setUp makes loopbench available on every host, measures their clocks,
// describes them, and writes the data files and starts the backend on the
// server's host.
func (h *remoteHost) setUp(data, backend bool) error {
	r, c := h.r, h.cfg
	if c.Dir == "" {
		c.Dir = remote.DefaultDir
	}
	if r.cfg.ServerCPUs != "" {
		if _, err := proc.ParseCPUs(r.cfg.ServerCPUs); err != nil {
			return fmt.Errorf("--server-cpus (CPUs of %s): %w", c.ServerHost, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*remoteStart)
	defer cancel()
	for _, host := range c.hosts() {
		if err := h.prepare(ctx, host, r.cfg.Binary); err != nil {
			return err
		}
	}
	for _, side := range r.cfg.Sides {
		if side.Binary == "" || side.Binary == r.cfg.Binary {
			continue
		}
		bin, err := h.t.Install(ctx, c.ServerHost, side.Binary, c.Dir)
		if err != nil {
			return fmt.Errorf("A/B side %s: %w", side.Name, err)
		}
		h.sideBins[side.Binary] = bin
	}
	h.work = path.Join(c.Dir, fmt.Sprintf("run-%s-%d", r.run.ID, os.Getpid()))
	if _, err := h.t.Output(ctx, c.ServerHost, nil, "mkdir", "-p", h.work); err != nil {
		return err
	}
	h.describeHosts(ctx)
	if err := h.checkCPUCounts(); err != nil {
		return err
	}
	r.note(r.remoteNotes()...)
	if err := r.write(); err != nil {
		return err
	}
	return h.startServices(ctx, data, backend)
}

// place records the server's host and CPUs on a point; with client hosts,
// the load used every CPU of each (Clients says which).
func (h *remoteHost) place(p *results.Point, _ *workload.Workload, l workload.Level) {
	p.ServerHost, p.ServerCPUs, p.ClientCPUs = h.cfg.ServerHost, h.serverCPUs(l.CPUs), h.r.client.String()
	if len(h.cfg.ClientHosts) > 0 {
		p.ClientCPUs = "all"
	}
}

// prepare installs loopbench on host (unless told where it is) and
// measures the host's clock.
func (h *remoteHost) prepare(ctx context.Context, host, local string) error {
	bin := h.cfg.Binary
	if bin == "" {
		var err error
		if bin, err = h.t.Install(ctx, host, local, h.cfg.Dir); err != nil {
			return err
		}
	}
	h.bins[host] = bin
	offset, bound, err := h.t.Clock(ctx, host, bin)
	if err != nil {
		return err
	}
	h.clocks[host] = clock{offset, bound}
	return nil
}

// describeHosts records every machine of the run and its part.
func (h *remoteHost) describeHosts(ctx context.Context) {
	r, c := h.r, h.cfg
	addr := c.serverAddr()
	if ip, err := net.LookupHost(addr); err == nil && len(ip) > 0 {
		addr = ip[0]
	}
	add := func(role, host string, d results.Host) {
		d.Role, d.Name = role, host
		if cl, ok := h.clocks[host]; ok {
			d.ClockOffset, d.ClockError = ms(cl.offset), ms(cl.bound)
		}
		r.run.Env.Hosts = append(r.run.Env.Hosts, d)
	}
	add("server", c.ServerHost, h.describe(ctx, c.ServerHost, addr))
	for i, client := range c.ClientHosts {
		add(fmt.Sprintf("client %d/%d", i+1, len(c.ClientHosts)), client, h.describe(ctx, client, addr))
	}
	local := "client"
	if len(c.ClientHosts) > 0 {
		local = "coordinator"
	}
	add(local, "local", hostinfo.Describe(addr))
}

// describe runs `loopbench describe` on host; a host that cannot say is
// recorded with the reason.
func (h *remoteHost) describe(ctx context.Context, host, addr string) results.Host {
	out, err := h.t.Output(ctx, host, nil, h.bins[host], "describe", "--addr", addr)
	var d results.Host
	if err == nil {
		err = json.Unmarshal(out, &d)
	}
	if err != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("not described: %v", err))
	}
	return d
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// remoteServerCPUs is the server's CPU set as a point records it.
func (r *Runner) remoteServerCPUs() string {
	if r.cfg.ServerCPUs != "" {
		return r.cfg.ServerCPUs
	}
	return "all"
}

// remoteNotes say where everything runs.
func (r *Runner) remoteNotes() []string {
	c := r.cfg.Remote
	cpus := "every CPU of the host (unpinned)"
	if r.cfg.ServerCPUs != "" {
		cpus = "CPUs " + r.cfg.ServerCPUs + " of the host"
	}
	notes := []string{fmt.Sprintf("the servers and the backend run on %s through %q, on %s, each in a cgroup of its own where the host allows one; they listen on every address of the host and the load connects to %s; their figures are streamed back by `loopbench sample` every 100 ms",
		c.ServerHost, c.Transport.String(), cpus, c.serverAddr())}
	if len(c.ClientHosts) == 0 {
		return append(notes, fmt.Sprintf("the load generator runs here, on CPUs %s", r.client))
	}
	return append(notes, fmt.Sprintf("the load comes from %d generators (%s), each running its share of every level's connections or rate, starting together at a time set here; their points are merged exactly (histograms added) and a point whose windows overlap by less than 95%% is partial; the server's 100 ms samples carry no request counts then (each generator counts its own), so timelines show no throughput",
		len(c.ClientHosts), strings.Join(c.ClientHosts, ", ")))
}

// startServices writes the data files and starts the backend on the
// server's host, if any step needs them.
func (h *remoteHost) startServices(ctx context.Context, data, backend bool) error {
	host := h.cfg.ServerHost
	bin := h.bins[host]
	if data {
		h.dataDir = path.Join(h.work, "data")
		if _, err := h.t.Output(ctx, host, nil, bin, "data", "--dir", h.dataDir); err != nil {
			return err
		}
	}
	if !backend {
		return nil
	}
	argv := []string{bin, "supervise", "--port", "--cgroup=false", "--", bin, "backend", "--addr", "127.0.0.1:{port}"}
	if data {
		argv = append(argv, "--data", h.dataDir) // /fifo's FIFOs, beside the servers' data files
	}
	p, err := h.t.Start(host, argv, remoteStart)
	if err != nil {
		return fmt.Errorf("the backend did not start on %s: %w", host, err)
	}
	h.backend, h.backAddr = p, fmt.Sprintf("127.0.0.1:%d", p.Ready.Port)
	err = proc.Poll(ctx, p.Done(), readyTimeout, func() error {
		if strings.Contains(p.Stderr(), "listening on") {
			return nil
		}
		return errors.New("it has not said it listens")
	})
	if errors.Is(err, proc.ErrEnded) {
		err = p.Ended()
	}
	if err != nil {
		return fmt.Errorf("the backend did not start on %s: %v: %s", host, err, p.Stderr())
	}
	h.r.note(fmt.Sprintf("the backend that /upstream calls runs on %s beside the servers (127.0.0.1), unpinned; its CPU time is in neither the server's figures nor the client's", host))
	return nil
}

// tearDown stops the backend and removes the run's files on the server's host.
func (h *remoteHost) tearDown() {
	if h.backend != nil {
		h.backend.Stop(remoteWait)
	}
	if h.work != "" {
		ctx, cancel := context.WithTimeout(context.Background(), remoteStart)
		defer cancel()
		h.t.Output(ctx, h.cfg.ServerHost, nil, "rm", "-rf", h.work)
	}
}

// Placement says where the servers and the load run, for the plan.
func (r *Runner) Placement() string {
	c := r.cfg.Remote
	if c == nil {
		return fmt.Sprintf("server CPUs %s, load generator CPUs %s", r.server, r.client)
	}
	where := fmt.Sprintf("servers on %s (CPUs %s there), reached at %s", c.ServerHost, r.remoteServerCPUs(), c.serverAddr())
	if len(c.ClientHosts) == 0 {
		return where + fmt.Sprintf("; load generator here, on CPUs %s", r.client)
	}
	return where + "; load generators on " + strings.Join(c.ClientHosts, ", ")
}

// printHosts lists the machines of a run over remote hosts and the part
// each played, one line apiece.
func printHosts(w io.Writer, hosts []results.Host) {
	if len(hosts) == 0 {
		return
	}
	fmt.Fprintln(w, "\nhosts")
	for _, h := range hosts {
		nic := "NIC unknown"
		if h.NIC != nil {
			nic = fmt.Sprintf("%s (%s, MTU %d)", h.NIC.Name, h.NIC.Driver, h.NIC.MTU)
		}
		fmt.Fprintf(w, "  %-12s %-16s %s, %d CPUs (%d per core), %.1f GiB, kernel %s, virtualisation %s, %s, %s\n",
			h.Role, h.Name, h.CPUModel, h.Cores, h.ThreadsPerCore, float64(h.MemoryBytes)/(1<<30), h.Kernel, h.Virtualization, nic, h.CongestionControl)
	}
}
