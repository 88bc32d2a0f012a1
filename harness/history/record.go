package history

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"loopbench/harness/compare"
	"loopbench/harness/results"
	"loopbench/harness/workload"
)

// MachineOf describes the machine of a run's servers: the server host's
// own description for a run over remote hosts, else the run's.
func MachineOf(env results.Env) Machine {
	m := Machine{Host: env.Host, CPUModel: env.CPUModel, Cores: env.Cores, MemoryGiB: gib(env.MemoryBytes), Kernel: env.Kernel,
		Hypervisor: env.Virtualization, GoVersion: env.GoVersion, ServerCPUs: env.ServerCPUs, ClientCPUs: env.ClientCPUs}
	for _, h := range env.Hosts {
		if h.Role == "server" {
			m.Host, m.CPUModel, m.Cores, m.MemoryGiB, m.Kernel, m.Hypervisor = h.Hostname, h.CPUModel, h.Cores, gib(h.MemoryBytes), h.Kernel, h.Virtualization
		}
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{m.CPUModel, fmt.Sprint(m.Cores), fmt.Sprint(m.MemoryGiB), m.Kernel, m.Hypervisor,
		m.GoVersion, m.ServerCPUs, m.ClientCPUs}, "\x00")))
	m.Fingerprint = hex.EncodeToString(sum[:6])
	return m
}

// gib rounds a memory size to GiB, so that the little a kernel reserves
// differently from boot to boot does not change a fingerprint.
func gib(b int64) int { return int(math.Round(float64(b) / (1 << 30))) }

// FromComparison is the record of an A/B run's comparison: per row, the
// head's and the base's medians and, for paired rows, the ratio with its
// interval and p-value. run is either side (they share the environment).
func FromComparison(res *compare.Result, run *results.Run, commit, base string) Record {
	rec := Record{Schema: Schema, Commit: commit, Base: base, Run: run.ID, Time: run.Started, Machine: MachineOf(run.Env)}
	for _, r := range res.Rows {
		row := newRow(r.Key, r.Metric)
		row.Test, row.Head, row.ClientBound = r.Test, stat(r.New), r.ClientBound
		b := stat(r.Old)
		row.Base = &b
		if r.Test == compare.TestPaired && !r.TooFew {
			row.Ratio = &Stat{Median: r.Ratio.Center, N: r.Ratio.N()}
			if r.Ratio.HasCI {
				row.Ratio.Lo, row.Ratio.Hi = ptr(r.Ratio.Lo), ptr(r.Ratio.Hi)
			}
		}
		if !math.IsNaN(r.P) {
			row.P = ptr(r.P)
		}
		rec.Rows = append(rec.Rows, row)
	}
	return rec
}

// FromRun is the record of a plain run: per point and metric, the median
// of its usable repetitions (a client-bound point's throughput left out).
func FromRun(run *results.Run, commit string, metrics []results.Metric) Record {
	rec := Record{Schema: Schema, Commit: commit, Run: run.ID, Time: run.Started, Machine: MachineOf(run.Env)}
	for _, g := range results.Groups(run.Points) {
		for _, m := range metrics {
			var v []float64
			row := newRow(g.Key, m)
			for _, p := range g.Points {
				switch {
				case !p.Usable() || p.Requests == 0:
				case m.ClientLimited && p.ClientBound:
					row.ClientBound++
				default:
					if x := m.Value(p); !math.IsNaN(x) && !math.IsInf(x, 0) {
						v = append(v, x)
					}
				}
			}
			row.Head = stat(results.StatOf(v))
			rec.Rows = append(rec.Rows, row)
		}
	}
	return rec
}

func newRow(k results.Key, m results.Metric) Row {
	return Row{Workload: k.Workload, Model: k.Model, Variant: k.Variant, Level: workload.LevelOf(k).String(),
		Metric: m.Name, Unit: m.Unit, HigherBetter: m.HigherBetter}
}

func stat(s results.Stat) Stat {
	out := Stat{Median: s.Median, N: s.N}
	if s.HasCI() {
		out.Lo, out.Hi = ptr(s.Lo), ptr(s.Hi)
	}
	return out
}

func ptr(v float64) *float64 { return &v }
