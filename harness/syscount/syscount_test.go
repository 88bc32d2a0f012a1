package syscount

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		total   int64
		by      map[string]int64
		wantErr string
	}{
		{ // what perf stat -x , writes, with its comment and control lines
			name: "counts",
			in: "# started on Sun Dec  6 20:53:21 2026\n\n" +
				"4608,,raw_syscalls:sys_enter,307563196,100.00,,\n" +
				"97,,syscalls:sys_enter_read,307563196,100.00,,\n" +
				"0,,syscalls:sys_enter_write,307563196,100.00,,Events disabled\nEvents enabled\n",
			total: 4608, by: map[string]int64{"read": 97, "write": 0},
		},
		{ // the total not counted is an error naming it
			name:    "not counted",
			in:      "<not counted>,,raw_syscalls:sys_enter,0,0.00,,\n",
			wantErr: "could not count raw_syscalls:sys_enter",
		},
		{ // a call not counted is only left out
			name:  "call not counted",
			in:    "10,,raw_syscalls:sys_enter,1,100.00,,\n<not counted>,,syscalls:sys_enter_futex,0,0.00,,\n",
			total: 10, by: map[string]int64{},
		},
		{ // no total at all
			name:    "empty",
			in:      "# started on ...\n",
			wantErr: "no raw_syscalls:sys_enter count",
		},
	}
	for _, tt := range tests {
		got, err := Parse([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Total != tt.total || len(got.By) != len(tt.by) {
			t.Errorf("%s: %+v, %v; want total %d and %v", tt.name, got, err, tt.total, tt.by)
		}
		for k, v := range tt.by {
			if got.By[k] != v {
				t.Errorf("%s: %s = %d, want %d", tt.name, k, got.By[k], v)
			}
		}
	}
}

// TestCountsOnlyWhileEnabled counts a shell that runs /bin/true in a loop:
// children are counted, and nothing is counted before Enable.
func TestCountsOnlyWhileEnabled(t *testing.T) {
	if _, err := exec.LookPath("perf"); err != nil {
		t.Skip("perf is not installed")
	}
	sh := exec.Command("/bin/sh", "-c", "while :; do /bin/true; sleep 0.01; done")
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sh.Process.Kill(); sh.Wait() }()
	c, err := Start(sh.Process.Pid, Events([]string{"read", "execve"}), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // counted by nothing: disabled
	if err := c.Enable(); err != nil {
		c.Stop()
		t.Skipf("perf cannot count here: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := c.Disable(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Stop()
	if err != nil {
		t.Skipf("perf cannot count here: %v", err)
	}
	// About 30 iterations of fork, exec and sleep, each a few dozen calls.
	if got.Total < 100 || got.Total > 1_000_000 {
		t.Errorf("counted %d calls in 0.3 s of a shell loop", got.Total)
	}
	if _, ok := got.By["read"]; !ok && len(Events([]string{"read"})) == 2 {
		t.Errorf("no count for read: %+v", got)
	}
}
