package results

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

var csvHeader = []string{
	"workload", "model", "variant", "mode", "connections", "pipeline", "rate", "idle_connections", "rep",
	"server_cpus", "client_cpus", "duration_s", "requests", "throughput",
	"p50_us", "p90_us", "p99_us", "p999_us", "max_us", "errors",
	"cpu_user_s", "cpu_sys_s", "cpu_per_request_us", "peak_rss_bytes", "threads", "fds",
	"client_utilization", "client_bound", "loop_lag_p99_ms", "failed", "fail_reason",
	"cpu_s", "cpu_source", "memory_bytes", "memory_user_bytes", "memory_kernel_bytes", "memory_sock_bytes",
	"validity", "validity_reasons", "server_cpu_count",
}

// WriteCSV writes one flat row per point, for spreadsheets.
func WriteCSV(w io.Writer, points []Point) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range points {
		if err := cw.Write(csvRow(&points[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(p *Point) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	d := func(v int64) string { return strconv.FormatInt(v, 10) }
	var m Memory
	if p.Server.Memory != nil {
		m = *p.Server.Memory
	}
	lag := ""
	if p.LoopLag != nil {
		lag = f(p.LoopLag.P99)
	}
	return []string{
		p.Workload, p.Model, p.Variant, p.Mode, d(int64(p.Connections)), d(int64(p.Pipeline)), f(p.Rate),
		d(int64(p.IdleConnections)), d(int64(p.Rep)),
		p.ServerCPUs, p.ClientCPUs, f(p.Duration), d(p.Requests), f(p.Throughput),
		f(p.Latency.P50), f(p.Latency.P90), f(p.Latency.P99), f(p.Latency.P999), f(p.Latency.Max), d(p.ErrorCount()),
		f(p.Server.CPUUser), f(p.Server.CPUSys), f(p.CPUPerRequest), d(p.Server.PeakRSS), d(int64(p.Server.Threads)),
		d(int64(p.Server.FDs)), f(p.Client.Utilization), strconv.FormatBool(p.ClientBound), lag,
		strconv.FormatBool(p.Failed), p.FailReason,
		f(p.Server.CPU), p.Server.CPUSource, d(m.Total), d(m.User), d(m.Kernel), d(m.Sock),
		p.Validity.Status, strings.Join(p.Validity.Reasons, "; "), d(int64(p.ServerCPUCount)),
	}
}

// ErrorCount is the total of every error class.
func (p *Point) ErrorCount() int64 {
	var n int64
	for _, v := range p.Errors {
		n += v
	}
	return n
}
