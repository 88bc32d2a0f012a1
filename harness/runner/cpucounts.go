package runner

import (
	"fmt"
	"strings"

	"loopbench/harness/proc"
	"loopbench/harness/workload"
)

// A workload that sweeps the server's CPU counts (server.cpu_counts) gives
// the server k CPUs at its level k: here, the first k of the server set,
// then, with server.cpus = "all", the client's from the highest down
// (serverCPUs); on a remote server's host, the first k of --server-cpus,
// or of CPUs 0 to n-1 of the n it describes. The counts are checked
// against the host before anything runs.

// checkCPUCounts checks every workload's CPU counts against this host's
// CPU sets, for a local run.
func (r *Runner) checkCPUCounts() error {
	for _, w := range r.cfg.Workloads {
		if err := w.CheckCPUCounts(len(r.server), len(r.all), fmt.Sprintf("this host (CPUs %s, the server's %s)", r.all, r.server)); err != nil {
			return err
		}
	}
	return nil
}

// cpuCountNotes say which CPUs each count of a workload gives the server.
func (r *Runner) cpuCountNotes(w *workload.Workload) []string {
	if len(w.Server.CPUCounts) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("workload %s gives the server %s: each point's server runs on exactly those (taskset), and its Go runtime or node sizes itself to them", w.Name, r.CPUCountSets(w))}
}

// CPUCountSets says, for the plan, which CPUs each count of w's
// server.cpu_counts gives the server: "1 CPU (1), 2 CPUs (0-1, shared
// with the load generator)"; "" for a workload without counts.
func (r *Runner) CPUCountSets(w *workload.Workload) string {
	if len(w.Server.CPUCounts) == 0 {
		return ""
	}
	switch {
	case r.cfg.Remote != nil && r.cfg.ServerCPUs != "":
		return "the first k of CPUs " + r.cfg.ServerCPUs + " of the server's host, at each count k"
	case r.cfg.Remote != nil:
		return "CPUs 0 to k-1 of the server's host, at each count k"
	}
	var sets []string
	for _, k := range w.Server.CPUCounts {
		set := r.serverCPUs(w, workload.Level{CPUs: k})
		s := fmt.Sprintf("%d CPUs (%s", k, set)
		if k == 1 {
			s = fmt.Sprintf("1 CPU (%s", set)
		}
		if set.Overlaps(r.client) {
			s += ", shared with the load generator"
		}
		sets = append(sets, s+")")
	}
	return strings.Join(sets, ", ")
}

// checkCPUCounts finds the server host's CPUs, if a workload sweeps CPU
// counts, and checks the counts against them.
func (h *remoteHost) checkCPUCounts() error {
	var sweeps []*workload.Workload
	for _, w := range h.r.cfg.Workloads {
		if len(w.Server.CPUCounts) > 0 {
			sweeps = append(sweeps, w)
		}
	}
	if len(sweeps) == 0 {
		return nil
	}
	cpus, err := h.hostCPUs()
	if err != nil {
		return err
	}
	for _, w := range sweeps {
		if err := w.CheckCPUCounts(len(cpus), len(cpus), fmt.Sprintf("server host %s (CPUs %s)", h.cfg.ServerHost, cpus)); err != nil {
			return err
		}
	}
	h.cpus = cpus
	return nil
}

// hostCPUs are the server host's CPUs a count takes from: --server-cpus,
// or CPUs 0 to n-1 of the n it describes.
func (h *remoteHost) hostCPUs() (proc.CPUSet, error) {
	if h.r.cfg.ServerCPUs != "" {
		return proc.ParseCPUs(h.r.cfg.ServerCPUs)
	}
	n := 0
	for _, d := range h.r.run.Env.Hosts {
		if d.Role == "server" {
			n = d.Cores
		}
	}
	if n < 1 {
		return nil, fmt.Errorf("server host %s: its CPUs could not be counted (see its description's notes in run.json), and a workload sweeps the server's CPU counts: give its CPUs with --server-cpus", h.cfg.ServerHost)
	}
	cpus := make(proc.CPUSet, n)
	for i := range cpus {
		cpus[i] = i
	}
	return cpus, nil
}

// pinned is the CPU list a server whose level gives it count CPUs is
// pinned to on the server's host ("" for none: every CPU of the host).
func (h *remoteHost) pinned(count int) string {
	if count > 0 {
		return h.cpus.First(count, nil).String()
	}
	return h.r.cfg.ServerCPUs
}

// serverCPUs is a server's CPU set as a point records it.
func (h *remoteHost) serverCPUs(count int) string {
	if cpus := h.pinned(count); cpus != "" {
		return cpus
	}
	return "all"
}
