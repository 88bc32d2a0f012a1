package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"loopbench/harness/results"
)

// netns is a test network: a server namespace whose bridge (serverIP)
// joins, over veth pairs, two client namespaces. The names carry this
// process's PID, so concurrent tests never share one.
type netns struct {
	server, client, client2 string
	serverIP                string
}

// newNetns creates the namespaces, or skips the test saying why it cannot;
// they are deleted when the test ends, whatever its outcome, after the
// processes still in them are killed.
func newNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2) to create network namespaces")
	}
	id := strconv.Itoa(os.Getpid())
	n := &netns{server: "lbt" + id + "s", client: "lbt" + id + "c", client2: "lbt" + id + "d", serverIP: "10.231.77.1"}
	t.Cleanup(func() { n.remove(t) })
	steps := [][]string{
		{"netns", "add", n.server}, {"netns", "add", n.client}, {"netns", "add", n.client2},
		{"-n", n.server, "link", "add", "br0", "type", "bridge"},
		{"-n", n.server, "addr", "add", n.serverIP + "/24", "dev", "br0"},
		{"link", "add", "s1", "netns", n.server, "type", "veth", "peer", "name", "eth0", "netns", n.client},
		{"link", "add", "s2", "netns", n.server, "type", "veth", "peer", "name", "eth0", "netns", n.client2},
		{"-n", n.server, "link", "set", "s1", "master", "br0", "up"},
		{"-n", n.server, "link", "set", "s2", "master", "br0", "up"},
		{"-n", n.server, "link", "set", "br0", "up"},
		{"-n", n.client, "addr", "add", "10.231.77.2/24", "dev", "eth0"},
		{"-n", n.client2, "addr", "add", "10.231.77.3/24", "dev", "eth0"},
	}
	for _, ns := range []string{n.server, n.client, n.client2} {
		steps = append(steps, []string{"-n", ns, "link", "set", "lo", "up"})
	}
	steps = append(steps, []string{"-n", n.client, "link", "set", "eth0", "up"}, []string{"-n", n.client2, "link", "set", "eth0", "up"})
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			if len(s) > 1 && s[0] == "netns" {
				t.Skipf("cannot create network namespaces here: ip %s: %v: %s", strings.Join(s, " "), err, out)
			}
			t.Fatalf("ip %s: %v: %s", strings.Join(s, " "), err, out)
		}
	}
	n.delay(t)
	return n
}

// delay adds 1 ms to the server's side with tc netem where the kernel has
// it; where it does not, the test says so and runs without.
func (n *netns) delay(t *testing.T) {
	out, err := exec.Command("ip", "netns", "exec", n.server, "tc", "qdisc", "add", "dev", "br0", "root", "netem", "delay", "1ms").CombinedOutput()
	if err != nil {
		t.Logf("tc netem is not available here (tc qdisc add ... netem: %v: %s): running without the 1 ms delay", err, strings.TrimSpace(string(out)))
		return
	}
	t.Log("tc netem: 1 ms of delay on the server namespace's bridge")
}

// pids lists the processes running in a namespace.
func pids(ns string) []int {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	var ps []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// remove kills what still runs in the namespaces (the processes this test
// started there) and deletes them.
func (n *netns) remove(t *testing.T) {
	for _, ns := range []string{n.server, n.client, n.client2} {
		for _, p := range pids(ns) {
			t.Logf("killing process %d left in namespace %s", p, ns)
			syscall.Kill(p, syscall.SIGKILL)
		}
		exec.Command("ip", "netns", "del", ns).Run()
	}
}

// runIn runs loopbench run in the client namespace against the server one.
func (n *netns) runIn(t *testing.T, bin, transport string, extra ...string) (*results.Run, string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "results")
	args := append([]string{"netns", "exec", n.client, bin, "run", "--quick", "--workloads", defaultOnly(t, "plaintext"), "--workload", "plaintext",
		"--models", "eventloop", "--remote", transport, "--server-host", n.server, "--server-addr", n.serverIP,
		"--out", out, "--remote-dir", t.TempDir()}, extra...)
	var stderr bytes.Buffer
	cmd := exec.Command("ip", args...)
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return nil, stderr.String(), err
	}
	run, rerr := results.Read(filepath.Join(out, "latest"))
	if rerr != nil {
		t.Fatalf("%v\nstderr:\n%s", rerr, stderr.String())
	}
	return run, stderr.String(), nil
}

// TestRemoteNetns runs the server in one network namespace through the
// `ip netns exec {host}` transport and the load from others, as a run
// over ssh would between machines.
func TestRemoteNetns(t *testing.T) {
	n := newNetns(t)
	bin := buildLoopbench(t)
	transport := "ip netns exec {host}"

	t.Run("one generator", func(t *testing.T) {
		run, stderr, err := n.runIn(t, bin, transport)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, stderr)
		}
		p := onePoint(t, run, stderr)
		if p.ServerHost != n.server || len(p.Samples) == 0 || p.Server.Threads == 0 || p.Server.CPU <= 0 || p.Validity.Kernel == nil {
			t.Errorf("remote point: host %q, %d samples, server %+v, kernel %v", p.ServerHost, len(p.Samples), p.Server, p.Validity.Kernel)
		}
		checkHosts(t, run, map[string]string{"server": n.server, "client": "local"})
		t.Logf("%.0f req/s, p99 %.0f µs, %.1f µs server CPU per request, %d samples", p.Throughput, p.Latency.P99, p.CPUPerRequest, len(p.Samples))
	})

	t.Run("two generators", func(t *testing.T) {
		run, stderr, err := n.runIn(t, bin, transport, "--client-hosts", n.client+","+n.client2)
		if err != nil {
			t.Fatalf("run: %v\n%s", err, stderr)
		}
		p := onePoint(t, run, stderr)
		var requests, count int64
		for _, c := range p.Clients {
			requests, count = requests+c.Requests, count+c.Latency.Count
		}
		if len(p.Clients) != 2 || p.Requests != requests || p.Latency.Count != count || p.Connections != 64 || len(p.Samples) == 0 {
			t.Errorf("merged point: %d clients, requests %d (theirs %d), latency count %d (theirs %d), %d connections, %d samples",
				len(p.Clients), p.Requests, requests, p.Latency.Count, count, p.Connections, len(p.Samples))
		}
		checkHosts(t, run, map[string]string{"server": n.server, "client 1/2": n.client, "client 2/2": n.client2, "coordinator": "local"})
	})

	t.Run("transport fails to start", func(t *testing.T) {
		_, stderr, err := n.runIn(t, bin, "/nonexistent/transport {host}")
		if err == nil || !strings.Contains(stderr, "/nonexistent/transport") || !strings.Contains(stderr, n.server) {
			t.Errorf("run through a missing transport: %v\n%s", err, stderr)
		}
	})

	t.Run("transport dies mid-run", func(t *testing.T) {
		// Every command the transport runs is SIGKILLed after 2.5 s: the
		// server's supervisor in the middle of its 4 s point.
		run, stderr, err := n.runIn(t, bin, "ip netns exec {host} timeout -s KILL 2.5", "--duration", "4s")
		if err != nil {
			t.Fatalf("run: %v\n%s", err, stderr)
		}
		p := run.Points[0]
		if !p.Failed || !strings.Contains(p.FailReason, "transport to "+n.server+" ended") {
			t.Errorf("point: failed %v, reason %q; want the transport's end", p.Failed, p.FailReason)
		}
		if !strings.Contains(p.Stderr, "listening on") {
			t.Errorf("the failed point lacks the remote stderr's tail: %q", p.Stderr)
		}
		t.Logf("failed as it should: %s", p.FailReason)
		if left := pids(n.server); len(left) > 0 {
			t.Errorf("processes %v are still running in the server's namespace", left)
		}
	})
}

// onePoint is the run's only point, which must have succeeded.
func onePoint(t *testing.T, run *results.Run, stderr string) *results.Point {
	t.Helper()
	if len(run.Points) != 1 {
		t.Fatalf("%d points, want 1\n%s", len(run.Points), stderr)
	}
	p := &run.Points[0]
	if p.Failed || p.Requests == 0 {
		t.Fatalf("point failed: %s\n%s\nstderr:\n%s", p.FailReason, p.Stderr, stderr)
	}
	return p
}

// checkHosts checks the run describes every host by role, each with its
// NIC and kernel.
func checkHosts(t *testing.T, run *results.Run, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, h := range run.Env.Hosts {
		got[h.Role] = h.Name
		if h.Kernel == "" || h.Cores == 0 || h.NIC == nil || h.NIC.MTU == 0 {
			t.Errorf("host %s (%s) is not described: %+v", h.Name, h.Role, h)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hosts by role %v, want %v", got, want)
	}
}

// TestRemoteLocalTransport runs the remote machinery without namespaces or
// root: a transport that runs every command on this machine, the host's
// name in an environment variable, as ssh to localhost would. The server
// is then reached at 127.0.0.1; two "hosts" generate the load.
func TestRemoteLocalTransport(t *testing.T) {
	bin := buildLoopbench(t)
	out := filepath.Join(t.TempDir(), "results")
	cmd := exec.Command(bin, "run", "--quick", "--workloads", defaultOnly(t, "plaintext"), "--workload", "plaintext", "--models", "eventloop",
		"--remote", "env LOOPBENCH_HOST={host}", "--server-host", "127.0.0.1", "--client-hosts", "gen-a,gen-b",
		"--out", out, "--remote-dir", t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	run, err := results.Read(filepath.Join(out, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	p := onePoint(t, run, stderr.String())
	if len(p.Clients) != 2 || p.Clients[0].Host != "gen-a" || p.ServerHost != "127.0.0.1" || len(p.Samples) == 0 {
		t.Errorf("point: clients %+v, server host %q, %d samples", p.Clients, p.ServerHost, len(p.Samples))
	}
	checkHosts(t, run, map[string]string{"server": "127.0.0.1", "client 1/2": "gen-a", "client 2/2": "gen-b", "coordinator": "local"})
}

// defaultOnly returns a directory holding the shipped workload name
// without its [[variants]], so a run measures each model's default alone.
func defaultOnly(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../workloads", name+".toml"))
	if err != nil {
		t.Fatal(err)
	}
	src, _, _ := strings.Cut(string(b), "[[variants]]")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name+".toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
