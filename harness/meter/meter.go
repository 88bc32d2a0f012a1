// Package meter measures one point's window: the server's CPU time (from
// its cgroup in nanoseconds where it has one, else /proc), memory, threads
// and descriptors (/proc, every 100 ms), the load generator's own CPU time
// (and the backend's, which shares the client's CPUs), and the host's
// kernel counters that the validity checks read. The runner and `loopbench
// load` both measure through it, so a point means the same from either.
package meter

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"loopbench/harness/cgroup"
	"loopbench/harness/energy"
	"loopbench/harness/results"
	"loopbench/harness/sample"
	"loopbench/harness/validity"
)

// ClientBoundAt is the client CPU utilization from which a point is flagged
// client-bound: its throughput is the load generator's limit.
const ClientBoundAt = 0.9

// Config says what to measure.
type Config struct {
	// PID is the server's process; 0 measures the client alone.
	PID int
	// Group is the server's own cgroup, or nil (CPU from /proc then).
	Group *cgroup.Group
	// ClientCPUs is how many CPUs the load generator may use.
	ClientCPUs int
	// BackendPID is the backend sharing the client's CPUs, or 0.
	BackendPID int
	// ServerCPUs are the CPUs whose stolen time the validity checks read
	// (every CPU when empty).
	ServerCPUs []int
}

// Meter measures the interval from Begin to Finish. Begin and Finish may be
// called from the load generator's goroutines; Fill after both.
type Meter struct {
	cfg      Config
	answered atomic.Int64

	mu      sync.Mutex
	begun   bool
	stopped bool
	start   time.Time
	wall    time.Duration

	sampler  *sample.Sampler
	startErr error // from starting the sampler
	stopErr  error // from stopping it
	usage    results.Usage
	samples  []results.Sample

	user0, sys0, user, sys time.Duration // the client's own CPU time
	clientErr              error
	backend0, backendCPU   time.Duration

	group0, group1 cgroup.Usage
	groupErr       error

	kernel0, kernel1 validity.Counters
	kernelErr        error
	// life0 and life1 are the counters around the point's whole life
	// (BeginLife, EndLife); lifeErr says why they could not be read.
	life0, life1 validity.Counters
	lifeErr      error
	lifeRead     int // 0, 1 or 2 readings taken

	// storage0 and storage1 are the server's bytes read from storage
	// (/proc/PID/io read_bytes) at the window's ends; storageErr says why
	// they could not be read.
	storage0, storage1 int64
	storageErr         error

	// energy0 and energy1 are the CPU packages' energy counters at the
	// window's ends (energy.go), read with the server's figures.
	energy0, energy1 energy.Reading
	energyErr        error
}

// New returns a meter for cfg; nothing is read until Begin.
func New(cfg Config) *Meter { return &Meter{cfg: cfg} }

// Answered is the counter of correct answers the load generator keeps
// during the window, which the samples record beside the server's figures.
func (m *Meter) Answered() *atomic.Int64 { return &m.answered }

// Begin opens the window.
func (m *Meter) Begin() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.begun {
		return
	}
	m.begun = true
	m.start = time.Now()
	m.user0, m.sys0, m.clientErr = sample.Self()
	m.backend0 = m.backendTime()
	if m.cfg.Group != nil {
		m.group0, m.groupErr = m.cfg.Group.Read()
	}
	m.kernel0, m.kernelErr = validity.ReadCounters(validity.ProcPaths, m.cfg.ServerCPUs)
	if m.cfg.PID != 0 {
		m.storage0, m.storageErr = StorageRead(m.cfg.PID)
		m.energy0, m.energyErr = energy.Read()
		m.sampler, m.startErr = sample.Start(m.cfg.PID, sample.Interval, &m.answered)
	}
}

// Finish closes the window: it reads the client's CPU time before stopping
// the sampler, whose last reading costs the client CPU.
func (m *Meter) Finish() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.begun || m.stopped {
		return
	}
	m.stopped = true
	m.wall = time.Since(m.start)
	if m.cfg.Group != nil && m.groupErr == nil {
		m.group1, m.groupErr = m.cfg.Group.Read()
	}
	if m.kernelErr == nil {
		m.kernel1, m.kernelErr = validity.ReadCounters(validity.ProcPaths, m.cfg.ServerCPUs)
	}
	if m.cfg.PID != 0 && m.storageErr == nil {
		m.storage1, m.storageErr = StorageRead(m.cfg.PID)
	}
	if m.cfg.PID != 0 && m.energyErr == nil {
		m.energy1, m.energyErr = energy.Read()
	}
	if u, s, err := sample.Self(); err == nil && m.clientErr == nil {
		m.user, m.sys = u-m.user0, s-m.sys0
	} else if m.clientErr == nil {
		m.clientErr = err
	}
	if m.cfg.BackendPID != 0 {
		m.backendCPU = max(m.backendTime()-m.backend0, 0)
	}
	if m.sampler != nil {
		m.usage, m.samples, m.stopErr = m.sampler.Stop()
	}
}

// SetClientCPU replaces the client's CPU time over the window with another
// process's (a client command run by `loopbench load`, such as wrk).
func (m *Meter) SetClientCPU(user, sys time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.user, m.sys, m.clientErr = user, sys, nil
}

// Wall is the window's length once finished.
func (m *Meter) Wall() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.wall
}

// ClientErr says why the client's CPU time could not be read, or nil.
func (m *Meter) ClientErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.clientErr
}

// ServerErr says why the server could not be read, or nil.
func (m *Meter) ServerErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return errors.Join(m.startErr, m.stopErr)
}

// backendTime is the backend's CPU time so far, or 0 without a backend or
// when it cannot be read (the backend's exit shows up as /upstream errors).
func (m *Meter) backendTime() time.Duration {
	if m.cfg.BackendPID == 0 {
		return 0
	}
	st, err := sample.Read(m.cfg.BackendPID)
	if err != nil {
		return 0
	}
	return st.CPU()
}

// Fill writes the window's figures into p, whose Requests the load
// generator has filled: the server's usage and samples, the client's CPU,
// its utilization and the client-bound flag, and CPU per request. It opens
// and closes a window that the load function never did. It reports whether
// the server's process went away.
func (m *Meter) Fill(p *results.Point) (gone bool) {
	m.Begin()
	m.Finish()
	m.mu.Lock()
	defer m.mu.Unlock()
	p.Client = results.Client{CPUUser: m.user.Seconds(), CPUSys: m.sys.Seconds(), BackendCPU: m.backendCPU.Seconds()}
	if m.wall > 0 && m.cfg.ClientCPUs > 0 {
		p.Client.Utilization = (m.user + m.sys + m.backendCPU).Seconds() / m.wall.Seconds() / float64(m.cfg.ClientCPUs)
	}
	p.ClientBound = p.Client.Utilization >= ClientBoundAt
	if m.sampler == nil {
		return errors.Is(m.startErr, sample.ErrGone)
	}
	p.Server, p.Samples = m.usage, m.samples
	m.serverCPU(&p.Server)
	if m.storageErr == nil {
		read := max(m.storage1-m.storage0, 0)
		p.Server.StorageRead = &read
	}
	if p.Requests > 0 {
		p.CPUPerRequest = p.Server.CPU * 1e6 / float64(p.Requests)
	}
	p.Energy = m.energy()
	return errors.Is(m.stopErr, sample.ErrGone)
}

// serverCPU fills the server's CPU time from its cgroup where it has one,
// else from /proc, and its memory with the kernel's share.
func (m *Meter) serverCPU(u *results.Usage) {
	if m.cfg.Group == nil || m.groupErr != nil {
		u.CPU, u.CPUSource = u.CPUUser+u.CPUSys, "/proc"
		return
	}
	u.CPU, u.CPUSource = (m.group1.CPU - m.group0.CPU).Seconds(), "cgroup "+m.cfg.Group.Layout
	g := m.group1
	u.Memory = &results.Memory{Total: g.Memory, User: g.Anon, Kernel: g.Kernel, KernelStack: g.KernelStack,
		PageTables: g.PageTables, Slab: g.Slab, Sock: g.Sock}
}

// Validate gives p its validity: failed, or the checks of harness/validity
// against the kernel's counters over the window.
func (m *Meter) Validate(p *results.Point) {
	validity.Validate(p, validity.Kernel{Window: m.Kernel(), Life: m.LifeKernel()})
}

// Kernel is the change of this host's kernel counters over the window, or
// nil where they could not be read.
func (m *Meter) Kernel() *validity.Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kernelErr != nil {
		return nil
	}
	d := m.kernel1.Delta(m.kernel0)
	return &d
}

// BeginLife reads the kernel's counters before the point's first dial.
func (m *Meter) BeginLife() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.life0, m.lifeErr = validity.ReadCounters(validity.ProcPaths, m.cfg.ServerCPUs)
	m.lifeRead = 1
}

// EndLife reads them again after its last close.
func (m *Meter) EndLife() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lifeRead == 1 && m.lifeErr == nil {
		m.life1, m.lifeErr = validity.ReadCounters(validity.ProcPaths, m.cfg.ServerCPUs)
		m.lifeRead = 2
	}
}

// LifeKernel is the change of this host's kernel counters over the point's
// whole life, or nil where they were not read.
func (m *Meter) LifeKernel() *validity.Counters {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lifeRead != 2 || m.lifeErr != nil {
		return nil
	}
	d := m.life1.Delta(m.life0)
	return &d
}

// StorageRead is the bytes a process (all its threads) has caused to be
// read from storage: /proc/PID/io's read_bytes, which reads the page cache
// answers do not count.
func StorageRead(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	return parseReadBytes(b)
}

func parseReadBytes(b []byte) (int64, error) {
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "read_bytes:"); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("no read_bytes line in /proc/PID/io")
}
