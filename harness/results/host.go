package results

import "time"

// Env describes the machine and software a run measured: the machine
// itself (the fields Host has too; Machine sets them out as a Host) and
// what ran on it.
type Env struct {
	Host        string            `json:"host"`
	OS          string            `json:"os"`
	Arch        string            `json:"arch"`
	Kernel      string            `json:"kernel"`
	CPUModel    string            `json:"cpu_model"`
	Cores       int               `json:"cores"`
	MemoryBytes int64             `json:"memory_bytes"`
	GoVersion   string            `json:"go_version"`
	NodeVersion string            `json:"node_version,omitempty"`
	Commit      string            `json:"commit"`
	Version     string            `json:"loopbench_version"`
	GOMAXPROCS  int               `json:"gomaxprocs"` // of the load generator
	ServerCPUs  string            `json:"server_cpus"`
	ClientCPUs  string            `json:"client_cpus"`
	Sysctls     map[string]string `json:"sysctls,omitempty"`
	// Governor is the CPU frequency governor ("" where the host has none,
	// as virtual machines often do); THP is transparent huge pages' mode.
	Governor string `json:"cpu_governor,omitempty"`
	THP      string `json:"transparent_hugepages,omitempty"`
	// Virtualization is "none" on bare metal, else the hypervisor: the DMI
	// vendor and product where the host exposes them, or "present" (the
	// same fact as Host.Virtualization, stored under its older name).
	Virtualization string `json:"hypervisor,omitempty"`
	// ThreadsPerCore is the SMT layout: 2 where hyper-threads share a core.
	ThreadsPerCore int `json:"threads_per_core,omitempty"`
	// Notes are facts about the measurement a reader must know (CPU sets
	// shared between server and client, a lowered file limit, ...).
	Notes []string `json:"notes,omitempty"`
	// PricePerHour is what an hour of the server's machine costs (`run
	// --price-per-hour`, in the user's currency), 0 when not given: it
	// turns a capacity into a cost per million requests.
	PricePerHour float64 `json:"price_per_hour,omitempty"`
	// Energy says whether the points' energy was read, and from which
	// counters, or why not ("not exposed on this host: ..."); "" in runs
	// from before energy was read.
	Energy string `json:"energy,omitempty"`
	// Hosts describes every machine of a run over remote hosts (`run
	// --server-host`): the server's, each load generator's and the
	// coordinator's, with the part each played. Empty for a run on one machine.
	Hosts []Host `json:"hosts,omitempty"`
}

// Machine is the machine Env describes, as a Host without a role: the
// fields the two share (Env's Host is the Host's Hostname).
func (e *Env) Machine() Host {
	return Host{Hostname: e.Host, Kernel: e.Kernel, CPUModel: e.CPUModel, Cores: e.Cores, ThreadsPerCore: e.ThreadsPerCore,
		MemoryBytes: e.MemoryBytes, Virtualization: e.Virtualization, Governor: e.Governor, THP: e.THP, Sysctls: e.Sysctls,
		PricePerHour: e.PricePerHour}
}

// Host describes one machine of a run and the part it played, so a reader
// of two runs can tell what differed between the machines they compared.
type Host struct {
	// Role is "server" (the models and the backend), "client" (a load
	// generator, "client 2/3" among several) or "coordinator" (the
	// machine that ran `loopbench run`, when it generated no load).
	Role string `json:"role"`
	// Name is how the run reached the host: the transport's {host}, or
	// "local" for the machine that ran `loopbench run`.
	Name     string `json:"name"`
	Hostname string `json:"hostname"`
	Kernel   string `json:"kernel"`
	CPUModel string `json:"cpu_model"`
	// Cores counts online CPUs (hardware threads); ThreadsPerCore is the
	// SMT layout; NUMANodes counts memory nodes.
	Cores          int   `json:"cores"`
	ThreadsPerCore int   `json:"threads_per_core,omitempty"`
	NUMANodes      int   `json:"numa_nodes,omitempty"`
	MemoryBytes    int64 `json:"memory_bytes"`
	// Virtualization is "none" on bare metal, else the hypervisor as the
	// CPU flags and DMI tell; Product is DMI's vendor and product name (a
	// cloud's instance type, where it puts it there).
	Virtualization string `json:"virtualization,omitempty"`
	Product        string `json:"product,omitempty"`
	Governor       string `json:"cpu_governor,omitempty"`
	THP            string `json:"transparent_hugepages,omitempty"`
	// NIC is the interface the benchmark's traffic crosses on this host.
	NIC               *NIC              `json:"nic,omitempty"`
	CongestionControl string            `json:"tcp_congestion_control,omitempty"`
	Sysctls           map[string]string `json:"sysctls,omitempty"`
	// ClockOffset is this host's clock minus the coordinator's, in ms,
	// measured over the transport to within ClockError (half the round trip).
	ClockOffset float64 `json:"clock_offset_ms"`
	ClockError  float64 `json:"clock_error_ms"`
	// PricePerHour is what an hour of this machine costs, where its
	// description says (the server's, from `run --price-per-hour`).
	PricePerHour float64 `json:"price_per_hour,omitempty"`
	// Notes say what could not be read.
	Notes []string `json:"notes,omitempty"`
}

// NIC is one network interface.
type NIC struct {
	Name   string `json:"name"`
	Addr   string `json:"addr,omitempty"`
	Driver string `json:"driver,omitempty"`
	MTU    int    `json:"mtu,omitempty"`
	// SpeedMbps is the link speed the kernel reports (0: unknown, as for
	// virtual interfaces).
	SpeedMbps int `json:"speed_mbps,omitempty"`
	// Offloads are ethtool's feature flags that change TCP's cost
	// (segmentation and receive offloads, checksumming): "on" or "off".
	Offloads map[string]string `json:"offloads,omitempty"`
}

// Generator names one of several load generators that measured a point
// together, and its measured window on its own host's clock: what
// `loopbench load --json` says of itself (loadgen.Output), and what a
// merged point keeps of each (ClientShare).
type Generator struct {
	Host string `json:"host,omitempty"`
	// Share is "i/N": this generator ran the i-th of N parts of the
	// level's connections (or rate).
	Share       string    `json:"share,omitempty"`
	WindowStart time.Time `json:"window_start,omitzero"`
	WindowEnd   time.Time `json:"window_end,omitzero"`
}

// ClientShare is one load generator's part of a point measured by several.
type ClientShare struct {
	Generator
	Connections int              `json:"connections"`
	Rate        float64          `json:"rate,omitempty"`
	Requests    int64            `json:"requests"`
	Throughput  float64          `json:"throughput"`
	Latency     Latency          `json:"latency"`
	Client      Client           `json:"client"`
	ClientBound bool             `json:"client_bound"`
	Errors      map[string]int64 `json:"errors,omitempty"`
}
