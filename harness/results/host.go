package results

import "time"

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
