package remote

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainEnv makes the test binary act as `loopbench supervise -- COMMAND...`
// for the tests that start a supervisor through a transport.
const mainEnv = "REMOTE_TEST_SUPERVISE"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		cfg := SuperviseConfig{Argv: os.Args[2:], Grace: time.Second} // after "--"
		if err := Supervise(context.Background(), cfg, os.Stdin, os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// local is a transport that runs commands on this host, the host's name
// in an environment variable: what ssh does, without a network.
func local(t *testing.T) Transport {
	t.Helper()
	tr, err := Parse("env LOOPBENCH_TEST_HOST={host}")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestParse(t *testing.T) {
	tests := []struct {
		template string
		wantErr  bool
		argv     []string // Command("h", "sh", "-c", "echo 'a b'")'s arguments
	}{
		{DefaultTemplate, false, []string{"ssh", "-o", "BatchMode=yes", "h", "sh", "-c", `'echo '\''a b'\'''`}}, // ssh: quoted for the remote shell
		{"ip netns exec {host}", false, []string{"ip", "netns", "exec", "h", "sh", "-c", "echo 'a b'"}},         // argv as is
		{"kubectl exec -i {host} --", false, []string{"kubectl", "exec", "-i", "h", "--", "sh", "-c", "echo 'a b'"}},
		{"ssh", true, nil}, // no {host}
		{"", true, nil},
	}
	for _, tt := range tests {
		tr, err := Parse(tt.template)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q): %v, want error %v", tt.template, err, tt.wantErr)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "{host}") {
				t.Errorf("Parse(%q): %v does not say what is missing", tt.template, err)
			}
			continue
		}
		cmd := tr.Command(context.Background(), "h", "sh", "-c", "echo 'a b'")
		got := append([]string{filepath.Base(cmd.Path)}, cmd.Args[1:]...)
		if strings.Join(got, "\x00") != strings.Join(tt.argv, "\x00") {
			t.Errorf("%q: argv %q, want %q", tt.template, got, tt.argv)
		}
	}
}

// TestSSHQuotingRoundTrip runs a quoted command line through a real shell,
// as ssh's remote side does, and checks the arguments arrive intact.
func TestSSHQuotingRoundTrip(t *testing.T) {
	args := []string{"plain", "two words", "it's", `$HOME`, "a\"b", ""}
	var line []string
	for _, a := range append([]string{"printf", "%s\\n"}, args...) {
		line = append(line, shellQuote(a))
	}
	out, err := exec.Command("sh", "-c", strings.Join(line, " ")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); strings.Join(got, "|") != strings.Join(args, "|") {
		t.Errorf("through the shell: %q, want %q", got, args)
	}
}

// TestInstall copies a binary once, reuses the copy, and replaces a copy
// whose content no longer matches its name's hash.
func TestInstall(t *testing.T) {
	tr, dir := local(t), t.TempDir()
	src := filepath.Join(t.TempDir(), "loopbench")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho hello\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path, err := tr.Install(ctx, "h1", src, dir)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(path).Output(); err != nil || string(out) != "hello\n" {
		t.Fatalf("installed copy %s: %q %v", path, out, err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	if again, err := tr.Install(ctx, "h1", src, dir); err != nil || again != path {
		t.Fatalf("second install: %q %v", again, err)
	}
	if fi, _ := os.Stat(path); !fi.ModTime().Equal(old) {
		t.Errorf("the second install copied again instead of reusing %s", path)
	}
	os.WriteFile(path, []byte("corrupt"), 0o755)
	if _, err := tr.Install(ctx, "h1", src, dir); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("hello")) {
		t.Errorf("a corrupt copy was kept: %q", b)
	}
}

// TestTransportFailsToStart names the host, the transport and its error.
func TestTransportFailsToStart(t *testing.T) {
	tr, err := Parse("/nonexistent/transport {host}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Install(context.Background(), "h1", os.Args[0], t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "h1") || !strings.Contains(err.Error(), "/nonexistent/transport") {
		t.Errorf("install through a missing transport: %v", err)
	}
	if _, err := tr.Start("h1", []string{"x", "supervise", "--", "sleep", "1"}, time.Second); err == nil {
		t.Error("Start through a missing transport succeeded")
	}
	tr2, _ := Parse("sh -c exit\\ 3 {host}")
	if _, err := tr2.Start("h2", []string{"x"}, 5*time.Second); !IsEnded(err) {
		t.Errorf("a transport that exits at once: %v, want ErrEnded", err)
	}
}

// startSleep starts `sleep 60` under a supervisor (this test binary)
// through the local transport.
func startSleep(t *testing.T) *Proc {
	t.Helper()
	t.Setenv(mainEnv, "1")
	p, err := local(t).Start("h1", []string{os.Args[0], "--", "sleep", "60"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !alive(p.Ready.PID) {
		t.Fatalf("supervised pid %d is not running", p.Ready.PID)
	}
	return p
}

// TestSuperviseStopsOnEOF: closing the transport's stdin stops the process.
func TestSuperviseStopsOnEOF(t *testing.T) {
	p := startSleep(t)
	exit, err := p.Stop(10 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(exit.Status, "signal: terminated") {
		t.Errorf("exit %q, want the process terminated by SIGTERM", exit.Status)
	}
	waitGone(t, p.Ready.PID)
}

// TestSuperviseKilled: killing the supervisor (a transport dropped hard)
// kills its process too, and the Proc says the transport ended.
func TestSuperviseKilled(t *testing.T) {
	p := startSleep(t)
	if err := syscall.Kill(p.child.PID(), syscall.SIGKILL); err != nil { // env exec'd the supervisor: same pid
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the transport did not end")
	}
	if err := p.Ended(); !IsEnded(err) {
		t.Errorf("Ended: %v, want ErrEnded", err)
	}
	waitGone(t, p.Ready.PID)
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Errorf("supervised process %d is still running", pid)
}
