package hostinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTuneHostScript runs scripts/tune-host.sh against a copy of the
// settings in a temporary directory, never the host's own: it raises what
// is low, leaves what is high, and its undo file puts the old values back.
func TestTuneHostScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("needs bash")
	}
	dir := t.TempDir()
	start := map[string]string{
		"net/core/somaxconn":           "4096",
		"net/ipv4/tcp_max_syn_backlog": "2048",
		"net/core/netdev_max_backlog":  "1000",
		"net/ipv4/ip_local_port_range": "32768\t60999",
		"net/ipv4/tcp_tw_reuse":        "2",
		"fs/file-max":                  "9000000", // already above what is wanted
		// fs/nr_open missing: an older kernel's
	}
	for name, v := range start {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	undo := filepath.Join(t.TempDir(), "undo.sh")
	cmd := exec.Command("bash", "../../scripts/tune-host.sh", "--undo-file", undo)
	cmd.Env = append(os.Environ(), "SYSCTL_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tune-host.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		"net.core.somaxconn: 4096 -> 65535", "net.ipv4.ip_local_port_range: 32768 60999 -> 1024 65535",
		"net.ipv4.tcp_tw_reuse: 2 -> 1", "fs.file-max: 9000000, already at least", "fs.nr_open: not on this kernel",
		"changed 5 settings; to undo: sh " + undo,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := read(t, dir, "net/core/somaxconn"); got != "65535" {
		t.Errorf("somaxconn is %q after tuning", got)
	}
	if out, err := exec.Command("sh", undo).CombinedOutput(); err != nil {
		t.Fatalf("undo: %v\n%s", err, out)
	}
	for name, v := range start {
		if got := read(t, dir, name); got != strings.ReplaceAll(v, "\t", " ") && got != v {
			t.Errorf("%s is %q after undo, want %q", name, got, v)
		}
	}
}

func read(t *testing.T, dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
