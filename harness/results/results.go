// Package results is the file format that connects the harness's steps: the
// runner writes one run directory, and plot, report and compare read it.
//
// A run directory holds run.json (this package's Run, schema-versioned,
// rewritten atomically after every point, so an interrupted run keeps every
// finished point) and points.csv (one flat row per point, for spreadsheets).
package results

import "time"

// SchemaVersion is the version of run.json this code writes and reads.
// Bump it on any change that an older reader would misread.
const SchemaVersion = 1

// File names inside a run directory.
const (
	RunFile = "run.json"
	CSVFile = "points.csv"
)

// Run is one invocation of `loopbench run`: the environment it measured and
// every point it finished.
type Run struct {
	Schema   int       `json:"schema"`
	ID       string    `json:"id"` // the run directory's name, "<UTC time>-<host>"
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"` // zero while the run is going on or was interrupted
	Quick    bool      `json:"quick,omitempty"`   // the short version of every workload
	// Interrupted is set when the run was stopped (Ctrl-C) before the end.
	Interrupted bool `json:"interrupted,omitempty"`
	// Seed is the seed of the run's order: points were measured in
	// randomized blocks (per workload and level, one repetition of every
	// model and variant in a drawn order). Points are stored by workload,
	// model, variant, level and repetition; each one's Start says when it ran.
	Seed      uint64     `json:"seed"`
	Env       Env        `json:"env"`
	Workloads []Workload `json:"workloads"`
	// Models is the model table the run was measured with (models.go):
	// each model's roles in the claims, how charts draw it and the variants
	// it declares. Runs written before it was recorded have none; ModelTable
	// gives theirs.
	Models []Model `json:"models,omitempty"`
	Points []Point `json:"points"`
	// Capacity are the run's capacity searches, each with its probes
	// (capacity.go); none in a run without them.
	Capacity []Capacity `json:"capacity,omitempty"`
}

// Workload is what the run knew of one workload: its name, its description
// and its source file, verbatim, so the run can be repeated exactly.
type Workload struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	File        string `json:"file"`
	Source      string `json:"source"`
}

// Point is one measured (workload, model, variant, load level, repetition).
type Point struct {
	Workload string   `json:"workload"`
	Model    string   `json:"model"`
	Variant  string   `json:"variant"` // "default", "cpu-offload", "loops-2", ...
	Flags    []string `json:"flags,omitempty"`
	// Mode is "closed" (connections, like wrk), "open" (fixed rate, like
	// wrk2), "replay" (a trace at its own timing) or "idle" (held connections
	// plus a light probe load).
	Mode        string  `json:"mode"`
	Connections int     `json:"connections"`
	Pipeline    int     `json:"pipeline,omitempty"`
	Rate        float64 `json:"rate,omitempty"` // offered requests per second (open loop)
	// IdleConnections are held open without requests (c10k).
	IdleConnections int `json:"idle_connections,omitempty"`
	// IdleHeld is how many of them were still open at the end of the
	// measurement (-1: the platform cannot tell).
	IdleHeld int `json:"idle_held,omitempty"`
	Rep      int `json:"rep"` // repetition, from 0
	// Side is the build an A/B run (loopbench ab) measured: "base" or "head".
	Side string `json:"side,omitempty"`
	// NotReady counts a closed loop's connections that had not completed a
	// request when the measured window opened; AdmissionWait is how long the
	// load generator waited, before its warm-up, for every connection's
	// first answer, each answered connection holding its next request
	// meanwhile (seconds). Unfinished counts
	// requests in flight when the window closed.
	NotReady      int64   `json:"not_ready,omitempty"`
	AdmissionWait float64 `json:"admission_wait_s,omitempty"`
	Unfinished    int64   `json:"unfinished,omitempty"`
	// InFlight is a closed loop's mean number of requests in flight over
	// the window, from the time each request spent in flight within it
	// (unfinished ones included): connections × pipeline when every
	// connection was held busy.
	InFlight float64 `json:"in_flight,omitempty"`

	ServerCPUs string `json:"server_cpus"`
	ClientCPUs string `json:"client_cpus"`
	// ServerCPUCount is the number of CPUs the point's level gave the
	// server, in a workload that sweeps CPU counts (server.cpu_counts): a
	// dimension of its configuration (Key.CPUs). 0 in every other point,
	// whose server had the run's server CPUs (ServerCPUs says which).
	ServerCPUCount int `json:"server_cpu_count,omitempty"`
	// ServerHost is the host the server ran on (Env.Hosts describes it),
	// "" for this machine; Clients are the load generators' parts when
	// several generated the load, merged into this point.
	ServerHost string        `json:"server_host,omitempty"`
	Clients    []ClientShare `json:"clients,omitempty"`

	Start    time.Time `json:"start"`
	Duration float64   `json:"duration_s"` // measured time, warm-up excluded

	// Requests counts answers with the right status and body; Throughput is
	// Requests / Duration.
	Requests   int64   `json:"requests"`
	Throughput float64 `json:"throughput"`
	// Latency summarises all routes together; Routes keeps each route apart.
	Latency Latency      `json:"latency"`
	Routes  []RouteStats `json:"routes"`
	// Status counts answers by HTTP status code ("200": n).
	Status map[string]int64 `json:"status,omitempty"`
	// Errors counts failures by class: connect, timeout, reset, closed,
	// status (unexpected code), body (wrong bytes), protocol.
	Errors map[string]int64 `json:"errors,omitempty"`

	Server Usage  `json:"server"`
	Client Client `json:"client"`
	// CPUPerRequest is the server's user+system CPU time per answered
	// request, in microseconds: the figure that separates fast models when
	// one client core cannot saturate them.
	CPUPerRequest float64 `json:"cpu_per_request_us"`
	// ClientBound is set when the load generator's CPU was saturated: the
	// point shows the client's limit, not the server's.
	ClientBound bool `json:"client_bound"`

	// LoopLag is the event loop's timer lateness over the measured window,
	// for models that measure it (over the server's whole life in runs
	// stored before servers kept their readings: see LoopLag.Samples).
	LoopLag *LoopLag `json:"loop_lag,omitempty"`
	// Backend is how the server's event loops waited for I/O, "epoll" or
	// "io_uring", as the server said on stop: a server asked for io_uring
	// serves with epoll where the kernel refuses it. Empty for models with
	// one way only.
	Backend string `json:"backend,omitempty"`
	// Energy is the CPU packages' energy over the window, where the host
	// exposes it (nil where it does not: Env.Energy says why).
	Energy *Energy `json:"energy,omitempty"`
	// Samples are the server's /proc figures every 100 ms.
	Samples []Sample `json:"samples,omitempty"`

	// Connect is how the point's connections were established, over its
	// whole life; Schedule how an open loop kept its schedule.
	Connect  *Connect  `json:"connect,omitempty"`
	Schedule *Schedule `json:"schedule,omitempty"`

	// Validity says whether the point measured what its label says: valid,
	// partial (with the reasons) or failed.
	Validity Validity `json:"validity"`

	// Failed is set when the point could not be measured (the server exited
	// or stopped answering); FailReason says why and Stderr is its tail.
	Failed     bool   `json:"failed,omitempty"`
	FailReason string `json:"fail_reason,omitempty"`
	Stderr     string `json:"stderr,omitempty"`
}

// The statuses of a point's Validity.
const (
	Valid   = "valid"
	Partial = "partial"
	Failed  = "failed"
)

// Validity is the runner's verdict on whether a point measured what its
// label says (harness/validity): a partial point is shown with its reasons
// and left out of every verdict.
type Validity struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons,omitempty"`
	// LittleRatio is a closed loop's throughput × mean latency over the
	// requests its level keeps in flight (1: as it should be).
	LittleRatio float64 `json:"little_ratio,omitempty"`
	// Kernel is what the host's counters said over the window; Life what
	// they said over the point's whole life, from before its first dial to
	// after its last close.
	Kernel *KernelCounters `json:"kernel,omitempty"`
	Life   *KernelCounters `json:"kernel_life,omitempty"`
	// Marks are findings of the point's life outside its window (listen
	// queues that overflowed while connections were admitted, segments
	// retransmitted while they closed): they leave the window's figures
	// valid, and the report lists them.
	Marks []string `json:"marks,omitempty"`
}

// KernelCounters are the host's TCP counters over a point's window (from
// /proc/net/netstat and /proc/net/snmp) and the share of the server CPUs'
// time the hypervisor stole (/proc/stat).
type KernelCounters struct {
	ListenOverflows int64 `json:"listen_overflows"`
	ListenDrops     int64 `json:"listen_drops"`
	TCPTimeouts     int64 `json:"tcp_timeouts"`
	RetransSegs     int64 `json:"retrans_segs"`
	// SynRetrans counts retransmitted SYNs (TcpExt TCPSynRetrans): a
	// connect that waited a second or more for a full listen queue.
	SynRetrans int64   `json:"syn_retrans,omitempty"`
	StealShare float64 `json:"steal_share"`
}

// Usable reports whether the point measured what its label says: neither
// failed nor partial. Only usable points enter statistics and verdicts.
func (p *Point) Usable() bool { return !p.Failed && p.Validity.Status != Partial }

// Latency percentiles, in microseconds.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_us"`
	P50   float64 `json:"p50_us"`
	P90   float64 `json:"p90_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p999_us"`
	Max   float64 `json:"max_us"`
	// Histogram is the whole HDR histogram (microseconds), in HdrHistogram's
	// compressed base64 form, so points and clients merge exactly.
	Histogram string `json:"hdr,omitempty"`
}

// RouteStats is the latency of one route of the mix.
type RouteStats struct {
	Route    string  `json:"route"` // the request target, e.g. "/cpu?iter=10000"
	Requests int64   `json:"requests"`
	Latency  Latency `json:"latency"`
}

// Usage is what /proc (and the server's cgroup, where the host gives one)
// said of the server process over the measured interval.
type Usage struct {
	// CPU is the server's CPU time over the interval from the finest source:
	// its cgroup (nanoseconds) where there is one, else CPUUser + CPUSys.
	CPU float64 `json:"cpu_s"`
	// CPUSource says where CPU comes from: "cgroup v1", "cgroup v2" or
	// "/proc" (clock ticks, 10 ms apiece on most hosts).
	CPUSource string `json:"cpu_source"`
	// CPUUser and CPUSys split the CPU time as /proc counts it, in ticks.
	CPUUser    float64 `json:"cpu_user_s"`
	CPUSys     float64 `json:"cpu_sys_s"`
	RSS        int64   `json:"rss_bytes"`      // at the end of the interval
	PeakRSS    int64   `json:"peak_rss_bytes"` // VmHWM
	Threads    int     `json:"threads"`        // most seen
	FDs        int     `json:"fds"`            // most seen
	VolCtxSw   int64   `json:"voluntary_ctxsw"`
	InvolCtxSw int64   `json:"involuntary_ctxsw"`
	// Memory is what the kernel charged to the server's cgroup at the end
	// of the interval, its own share included; nil without a cgroup.
	Memory *Memory `json:"memory,omitempty"`
	// StorageRead is the bytes the server read from storage during the
	// interval (/proc/PID/io read_bytes): 0 when the page cache answered
	// every read; nil where the host does not say.
	StorageRead *int64 `json:"storage_read_bytes,omitempty"`
}

// Memory is a cgroup's memory charge in bytes: User (anonymous memory) plus
// Kernel (thread stacks, page tables, slab) plus Sock (socket buffers); the
// page cache is left out. KernelStack, PageTables and Slab are parts of
// Kernel where the host's cgroup layout says so (v2), else 0.
type Memory struct {
	Total       int64 `json:"total_bytes"`
	User        int64 `json:"user_bytes"`
	Kernel      int64 `json:"kernel_bytes"`
	KernelStack int64 `json:"kernel_stack_bytes,omitempty"`
	PageTables  int64 `json:"pagetables_bytes,omitempty"`
	Slab        int64 `json:"slab_bytes,omitempty"`
	Sock        int64 `json:"sock_bytes"`
}

// Client is the load generator's own CPU use over the measured interval.
type Client struct {
	CPUUser float64 `json:"cpu_user_s"`
	CPUSys  float64 `json:"cpu_sys_s"`
	// BackendCPU is the CPU time of the backend that /upstream calls, which
	// runs on the client's CPUs: it is counted in Utilization, since it
	// competes with the load generator there.
	BackendCPU float64 `json:"backend_cpu_s,omitempty"`
	// Utilization is CPU time (the load generator's and the backend's)
	// divided by wall time and by the CPUs they had: 1.0 means every client
	// CPU was busy the whole time.
	Utilization float64 `json:"utilization"`
}

// LoopLag is how late an event loop's timer fired, in milliseconds, over
// the point's measured window: the runner takes the readings the server
// wrote on shutdown (servers/model.Stats) that fall in the window, through
// an HDR histogram as the other latencies. Samples is the number of
// readings behind the figures (one every 10 ms per loop), so a
// percentile's support shows; 0 means the figures are the server's own
// over its whole life, start-up included, as in runs stored before servers
// kept their readings. (The results keep a type of their own so that their
// readers depend on no server package.)
type LoopLag struct {
	P50     float64 `json:"p50_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
	Samples int     `json:"samples,omitempty"`
}

// Sample is one /proc reading of the server, T seconds after the measured
// interval began. Requests is the number answered so far.
type Sample struct {
	T        float64 `json:"t"`
	Requests int64   `json:"requests"`
	RSS      int64   `json:"rss"`
	Threads  int     `json:"threads"`
	CPU      float64 `json:"cpu_s"` // user+system so far
}
