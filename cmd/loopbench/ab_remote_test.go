package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"loopbench/harness/results"
)

// TestABRemoteNetns runs loopbench ab with its servers in another network
// namespace, through the `ip netns exec {host}` transport, as an A/B run
// over ssh would put them on another machine: each side's own binary is
// installed there (the head's differs from the base's by a trailing byte,
// so by its hash) and serves that side's points.
func TestABRemoteNetns(t *testing.T) {
	n := newNetns(t)
	bin := buildLoopbench(t)
	head := filepath.Join(t.TempDir(), "loopbench-head")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(head, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	out, remoteDir := filepath.Join(t.TempDir(), "ab"), t.TempDir()
	cmd := exec.Command("ip", "netns", "exec", n.client, bin, "ab", "--base", bin, "--head", head,
		"--workloads", defaultOnly(t, "plaintext"), "--workload", "plaintext", "--models", "eventloop", "--reps", "6", "--duration", "300ms",
		"--remote", "ip netns exec {host}", "--server-host", n.server, "--server-addr", n.serverIP,
		"--out", out, "--remote-dir", remoteDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() > 1) {
		t.Fatalf("ab: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	for _, side := range []string{"base", "head"} {
		run, err := results.Read(filepath.Join(out, "latest", side))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range run.Points {
			if p.Failed || p.ServerHost != n.server || p.Requests == 0 {
				t.Errorf("%s rep %d: failed %v (%s), server host %q, %d requests", side, p.Rep, p.Failed, p.FailReason, p.ServerHost, p.Requests)
			}
		}
	}
	installed, _ := filepath.Glob(filepath.Join(remoteDir, "loopbench-*"))
	if len(installed) != 2 {
		t.Errorf("installed on the server's host: %v; want the base's and the head's binaries", installed)
	}
	// Pairs with a partial point (a loaded host, a 300 ms window) leave
	// the comparison, so their count may fall below the repetitions; the
	// comparison must still be the paired one.
	if !strings.Contains(stdout.String(), "paired (") {
		t.Errorf("the comparison is not paired:\n%s", stdout.String())
	}
}
