package meter

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"loopbench/harness/results"
)

// TestMeterReadsABusyServer measures a busy child as the server: its CPU
// over the window gives the point's CPU per request, and the client's own
// CPU is read beside it.
func TestMeterReadsABusyServer(t *testing.T) {
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done")
	if err := cmd.Start(); err != nil {
		t.Skip("no sh to stand in for a server:", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	m := New(Config{PID: cmd.Process.Pid, ClientCPUs: 1})
	m.Begin()
	time.Sleep(300 * time.Millisecond)
	m.Finish()
	p := &results.Point{Requests: 1000}
	if gone := m.Fill(p); gone {
		t.Fatal("the server went away during the window")
	}
	if p.Server.CPU <= 0 || p.Server.CPUSource != "/proc" || p.CPUPerRequest != p.Server.CPU*1e3 {
		t.Errorf("server CPU %v s from %q, %v µs per request; want the child's CPU from /proc, divided by 1000 requests", p.Server.CPU, p.Server.CPUSource, p.CPUPerRequest)
	}
	if m.Wall() < 300*time.Millisecond || m.ClientErr() != nil {
		t.Errorf("window %v, client error %v", m.Wall(), m.ClientErr())
	}
	m.Validate(p)
	if p.Validity.Status == "" {
		t.Error("no validity after Validate")
	}
}

// TestMeterWithoutServer measures the client alone.
func TestMeterWithoutServer(t *testing.T) {
	m := New(Config{ClientCPUs: 1})
	p := &results.Point{Requests: 10}
	m.Fill(p) // opens and closes the window itself
	if p.Server.CPUSource != "" || p.CPUPerRequest != 0 || m.ServerErr() != nil {
		t.Errorf("without a server: %+v, CPU per request %v, error %v", p.Server, p.CPUPerRequest, m.ServerErr())
	}
}

func TestParseReadBytes(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"rchar: 100\nwchar: 5\nsyscr: 1\nsyscw: 1\nread_bytes: 4096\nwrite_bytes: 0\ncancelled_write_bytes: 0\n", 4096, true},
		{"read_bytes: 0\n", 0, true},
		{"rchar: 1\n", 0, false},
		{"read_bytes: x\n", 0, false},
	}
	for _, c := range cases {
		got, err := parseReadBytes([]byte(c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseReadBytes(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	if _, err := StorageRead(os.Getpid()); err != nil {
		t.Logf("this host does not give /proc/self/io: %v", err)
	}
}
