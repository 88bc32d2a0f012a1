package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"loopbench/harness/hostinfo"
	"loopbench/harness/proc"
	"loopbench/harness/results"
)

// env describes the machine and software of the run.
func (r *Runner) env() results.Env {
	host, _ := os.Hostname()
	e := results.Env{
		Host: host, OS: runtime.GOOS, Arch: runtime.GOARCH,
		Kernel:         readTrim("/proc/sys/kernel/osrelease"),
		CPUModel:       hostinfo.CPUModel(),
		Cores:          hostinfo.OnlineCPUs(),
		MemoryBytes:    hostinfo.MemTotal(),
		GoVersion:      runtime.Version(),
		NodeVersion:    command("node", "--version"),
		Commit:         GitCommit(),
		Version:        version(),
		GOMAXPROCS:     runtime.GOMAXPROCS(0),
		ServerCPUs:     r.server.String(),
		ClientCPUs:     r.client.String(),
		Sysctls:        hostinfo.ReadSysctls(),
		Governor:       readTrim("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
		THP:            hostinfo.Bracketed(readTrim("/sys/kernel/mm/transparent_hugepage/enabled")),
		Virtualization: hostinfo.Virtualization(),
		ThreadsPerCore: hostinfo.ThreadsPerCore(),
	}
	return e
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// command runs a short command and returns its trimmed output, "" on failure.
func command(name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// GitCommit is the short commit of the working tree, with "-dirty" when it
// has changes to tracked files, or "unknown" outside a git checkout. What
// a run writes (results/ and REPORT.md at the top of the checkout) does not
// count: `make bench` changes both before its report step reads the commit.
func GitCommit() string { return gitCommit("") }

// gitCommit is GitCommit for the checkout at dir ("" for the current one).
func gitCommit(dir string) string {
	git := func(args ...string) string {
		if dir != "" {
			args = append([]string{"-C", dir}, args...)
		}
		return command("git", args...)
	}
	c := git("rev-parse", "--short", "HEAD")
	if c == "" {
		return "unknown"
	}
	if git("status", "--porcelain", "--untracked-files=no", "--", ":/", ":(top,exclude)results", ":(top,exclude)REPORT.md") != "" {
		c += "-dirty"
	}
	return c
}

// version is loopbench's version from its build information: the module
// version, or the VCS revision it was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v = fmt.Sprintf("%s (%s)", v, s.Value[:12])
		}
	}
	return v
}

// cpuNotes says where the server and the client run.
func (r *Runner) cpuNotes() []string {
	if r.cfg.Remote != nil {
		return nil // remoteNotes say where everything runs
	}
	how := "taskset at start, then sched_setaffinity on every thread once ready"
	if r.taskset == "" {
		how = "sched_setaffinity on every thread after start and again once ready (taskset not found; the server's runtime sized itself before pinning)"
	}
	notes := []string{fmt.Sprintf("server on CPUs %s, load generator on CPUs %s (GOMAXPROCS %d); pinned with %s", r.server, r.client, len(r.client), how)}
	if r.server.Overlaps(r.client) {
		notes = append(notes, fmt.Sprintf("the server's CPUs %s and the client's %s overlap: they compete for CPU", r.server, r.client))
	}
	for _, w := range r.cfg.Workloads {
		if w.Server.CPUs == "all" && len(w.Server.CPUCounts) == 0 {
			notes = append(notes, fmt.Sprintf("workload %s gives the server every CPU (%s), shared with the client", w.Name, r.all))
		}
		notes = append(notes, r.cpuCountNotes(w)...)
	}
	return notes
}

// fileLimitNotes raises RLIMIT_NOFILE and says what to do when even the hard
// limit is below what the plan needs.
func (r *Runner) fileLimitNotes() []string {
	need, what := 0, ""
	for _, s := range r.plan.Steps {
		if n := s.Level.Connections + s.Level.IdleConnections + 64; n > need {
			need, what = n, s.Workload.Name
		}
	}
	limit, err := proc.RaiseFileLimit()
	switch {
	case err != nil:
		return []string{fmt.Sprintf("could not raise the open-file limit: %v", err)}
	case limit < uint64(need):
		return []string{fmt.Sprintf("the open-file limit is %d but workload %s needs about %d descriptors: connections will fail. Raise the hard limit (as root: `ulimit -Hn 65536` in the shell that runs loopbench, or a `* hard nofile 65536` line in /etc/security/limits.conf) and run again", limit, what, need)}
	}
	return nil
}
