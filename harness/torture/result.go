package torture

import (
	"fmt"
	"strings"
	"time"

	"loopbench/harness/slowhttp"
)

// Schema is the version of the torture.json format; it changes whenever a
// field changes meaning.
const Schema = 1

// Report is one torture run: every model against every scenario. It is
// written as torture.json in the run's directory (see Write).
type Report struct {
	Schema int       `json:"schema"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// HeadTimeout is the --head-timeout every server was started with;
	// IdleTimeout and MaxUnsent are the other bounds, serve's defaults.
	HeadTimeout string   `json:"head_timeout"`
	IdleTimeout string   `json:"idle_timeout"`
	MaxUnsent   int      `json:"max_unsent_bytes"`
	Scale       float64  `json:"scale"`
	Results     []Result `json:"results"`
}

// Result is one model under one scenario.
type Result struct {
	Model    string `json:"model"`
	Scenario string `json:"scenario"`
	// Survived: the server lived, served the probe (at least MinProbeRate
	// of its requests), answered a fresh connection after the attack,
	// returned to its baseline of descriptors, and met the scenario's own
	// bound.
	Survived bool `json:"survived"`
	// Failures say why not, one line each.
	Failures []string `json:"failures,omitempty"`
	// Notes are what the scenario measured beside the verdict.
	Notes []string `json:"notes,omitempty"`

	ProbeOK     int     `json:"probe_ok"`
	ProbeFailed int     `json:"probe_failed"`
	ProbeP99Ms  float64 `json:"probe_p99_ms"`

	// Memory names the source of PeakMemory: "cgroup" (user and kernel
	// memory charged to the server's own group, PeakKernel its kernel
	// share) or "proc" (resident set only, PeakKernel 0).
	Memory     string `json:"memory"`
	PeakRSS    int64  `json:"peak_rss_bytes"`
	PeakMemory int64  `json:"peak_memory_bytes"`
	PeakKernel int64  `json:"peak_kernel_bytes"`

	BaselineFDs     int `json:"baseline_fds"`
	PeakFDs         int `json:"peak_fds"`
	AfterFDs        int `json:"after_fds"`
	BaselineThreads int `json:"baseline_threads"`
	PeakThreads     int `json:"peak_threads"`
	AfterThreads    int `json:"after_threads"`

	// Timeline is a slowhttptest attack's, second by second (absent for
	// the other scenarios and in files written before it existed).
	Timeline []slowhttp.Sample `json:"timeline,omitempty"`
}

// Thresholds of the verdict.
const (
	// MinProbeRate is the share of probe requests that must succeed during
	// an attack.
	MinProbeRate = 0.95
	// fdSlack is how many descriptors above its baseline a server may hold
	// once an attack has ended and it has settled (a lingering close, a
	// backend connection).
	fdSlack = 4
	// settleTime bounds the wait for descriptors to come back after an
	// attack.
	settleTime = 3 * time.Second
)

func (r *Result) fail(format string, a ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, a...))
}

// ProbeRate is the share of probe requests that succeeded (1 with none).
func (r Result) ProbeRate() float64 {
	if n := r.ProbeOK + r.ProbeFailed; n > 0 {
		return float64(r.ProbeOK) / float64(n)
	}
	return 1
}

// Summary is the one-line progress message of a result.
func (r Result) Summary() string {
	v := "survived"
	if !r.Survived {
		v = "FAILED: " + strings.Join(r.Failures, "; ")
	}
	return fmt.Sprintf("%s (probe %.1f%%, p99 %.1f ms, peak %s, fds %d/%d/%d, threads %d/%d/%d)", v,
		100*r.ProbeRate(), r.ProbeP99Ms, mib(r.PeakMemory), r.BaselineFDs, r.PeakFDs, r.AfterFDs,
		r.BaselineThreads, r.PeakThreads, r.AfterThreads)
}

// judgeAfter checks the server once the attack is over: alive, answering a
// fresh connection, and back to its baseline of descriptors.
func (r *Result) judgeAfter(srv *server, base snapshot) {
	if rate := r.ProbeRate(); rate < MinProbeRate {
		r.fail("probe success %.1f%% < %.0f%%", 100*rate, 100*MinProbeRate)
	}
	if err := srv.exited(); err != nil {
		r.fail("server died: %v", err)
		r.AfterFDs, r.AfterThreads = -1, -1
		return
	}
	if err := checkServes(srv.addr); err != nil {
		r.fail("no answer to a fresh connection after the attack: %v", err)
	}
	var now snapshot
	for deadline := time.Now().Add(settleTime); ; time.Sleep(100 * time.Millisecond) {
		now = srv.snapshot()
		if now.fds <= base.fds+fdSlack || time.Now().After(deadline) {
			break
		}
	}
	r.AfterFDs, r.AfterThreads = now.fds, now.threads
	if now.fds > base.fds+fdSlack {
		r.fail("descriptors leaked: %d after, %d before", now.fds, base.fds)
	}
	r.Survived = len(r.Failures) == 0
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
