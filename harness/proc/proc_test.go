package proc

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseCPUs(t *testing.T) {
	tests := []struct {
		in, want string // want "" for an error
	}{
		{"1", "1"},             // one CPU
		{"0-3", "0-3"},         // a range
		{"3,0,1", "0-1,3"},     // unsorted, written back sorted and short
		{"0,0-1", "0-1"},       // duplicates
		{"2-1", ""},            // a backwards range
		{"x", ""},              // not a number
		{"", ""},               // nothing
		{"0,,1", ""},           // an empty item
		{"5000", ""},           // beyond any CPU
		{" 1 , 2 ", "1-2"},     // spaces
		{"0-2,4-5", "0-2,4-5"}, // two ranges
	}
	for _, tt := range tests {
		set, err := ParseCPUs(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseCPUs(%q) = %s, want an error", tt.in, set)
		case tt.want != "" && (err != nil || set.String() != tt.want):
			t.Errorf("ParseCPUs(%q) = %s, %v; want %s", tt.in, set, err, tt.want)
		}
	}
}

// TestFirst wants k CPUs from the server's own set first, then the
// client's from the highest down, and nil when there are too few.
func TestFirst(t *testing.T) {
	tests := []struct {
		own, more string
		k         int
		want      string // "" for nil
	}{
		{"1", "0-1", 1, "1"},             // the 2-core host: k=1 is the server's CPU
		{"1", "0-1", 2, "0-1"},           // k=2 shares the client's CPU 0
		{"1", "0-1", 3, ""},              // more than the host has
		{"4-7", "0-7", 2, "4-5"},         // a bigger host: the first k of the server's set
		{"4-7", "0-7", 4, "4-7"},         // its whole set
		{"4-7", "0-7", 6, "2-7"},         // then the client's, highest first
		{"2-3", "0-3", 3, "1-3"},         // one of the client's two
		{"1,3", "0-3", 3, "1-3"},         // a set with a gap: the gap is filled first
		{"0-1", "", 2, "0-1"},            // nothing more to take
		{"0-1", "0-1", 1, "0"},           // server and client the same set
		{"6-7", "0-3,6-7", 4, "2-3,6-7"}, // more with a gap of its own
	}
	for _, tt := range tests {
		own, _ := ParseCPUs(tt.own)
		var more CPUSet
		if tt.more != "" {
			more, _ = ParseCPUs(tt.more)
		}
		got := own.First(tt.k, more)
		if got.String() != tt.want || (tt.want == "") != (got == nil) {
			t.Errorf("%s.First(%d, %s) = %q, want %q", tt.own, tt.k, tt.more, got, tt.want)
		}
	}
}

// sh starts a shell script as a child named "sh".
func sh(t *testing.T, script string, grace time.Duration) *Child {
	t.Helper()
	c, err := Start(Spec{Name: "sh", Argv: []string{"sh", "-c", script}, Keep: 16, Grace: grace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !c.Exited() {
			c.Kill()
		}
	})
	return c
}

// TestChild runs children that exit, fail, stop on SIGTERM and ignore it:
// each ends the way it says, with the tail of its output.
func TestChild(t *testing.T) {
	tests := []struct {
		name   string
		script string
		stop   bool   // stop it rather than wait for it
		reason string // in ExitReason, or Stop's error
		output string // the kept output: the last 16 bytes
	}{
		{name: "exits", script: "echo 0123456789abcdefXYZ", reason: "sh exited with status 0", output: "456789abcdefXYZ"},
		{name: "fails", script: "echo oops >&2; exit 3", reason: "sh exit status 3", output: "oops"},
		{name: "stops on SIGTERM", script: "exec sleep 60", stop: true, reason: "signal: terminated"},
		{name: "ignores SIGTERM", script: "trap '' TERM; echo ready; while :; do sleep 0.1; done", stop: true, reason: "did not stop within 200ms of SIGTERM; killed it", output: "ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sh(t, tt.script, 200*time.Millisecond)
			var reason string
			if tt.stop {
				time.Sleep(100 * time.Millisecond) // let the shell set its trap
				err := c.Stop()
				if err == nil {
					t.Fatal("Stop: no error, want the way it ended")
				}
				reason = err.Error()
			} else {
				<-c.Done()
				reason = c.ExitReason()
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("ended %q, want %q", reason, tt.reason)
			}
			if got := c.Output(); got != tt.output {
				t.Errorf("output %q, want %q", got, tt.output)
			}
			if c.Stop() != nil {
				t.Error("stopping a child that has exited is an error")
			}
		})
	}
}

// TestStartFails names the child when its command cannot start.
func TestStartFails(t *testing.T) {
	_, err := Start(Spec{Name: "ghost", Argv: []string{"/nonexistent/ghost"}})
	if err == nil || !strings.Contains(err.Error(), "starting ghost") {
		t.Errorf("Start: %v, want an error naming the child", err)
	}
	if _, err := Start(Spec{Name: "nothing"}); err == nil {
		t.Error("Start without a command succeeded")
	}
}

// TestPoll waits for a port that opens, and for a child that exits first.
func TestPoll(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	c := sh(t, "exec sleep 60", 0)
	time.AfterFunc(150*time.Millisecond, func() {
		if l, err := net.Listen("tcp", addr); err == nil {
			t.Cleanup(func() { l.Close() })
		}
	})
	if err := c.WaitPort(context.Background(), addr, 10*time.Second); err != nil {
		t.Errorf("WaitPort: %v", err)
	}
	c.Kill()
	err = c.Poll(context.Background(), 10*time.Second, func() error { return errors.New("never") })
	if err == nil || !strings.Contains(err.Error(), "before answering") {
		t.Errorf("Poll on an exited child: %v, want it to say the child ended", err)
	}
	err = Poll(context.Background(), nil, 120*time.Millisecond, func() error { return errors.New("not yet") })
	if err == nil || !strings.Contains(err.Error(), "within 120ms: not yet") {
		t.Errorf("Poll past its timeout: %v", err)
	}
}

// TestPin starts a child on one CPU through taskset, where it is installed,
// and checks its affinity.
func TestPin(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pinning is Linux's")
	}
	all, err := Allowed()
	if err != nil {
		t.Fatal(err)
	}
	one := all[len(all)-1:]
	c, err := Start(Spec{Name: "sleep", Argv: []string{"sleep", "60"}, CPUs: one})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Kill()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID()) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Cpus_allowed_list:\t" + one.String() + "\n"; !strings.Contains(string(b), want) {
		t.Errorf("status lacks %q", want)
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		writes []string
		want   string
		cut    bool
	}{
		{writes: []string{"short"}, want: "short"},                                        // kept whole
		{writes: []string{"  spaced \n"}, want: "spaced"},                                 // trimmed
		{writes: []string{"0123456789", "abcdefgh"}, want: "23456789abcdefgh", cut: true}, // the last 16 bytes, trimmed
	}
	for _, tt := range tests {
		tl := &Tail{Max: 16}
		for _, w := range tt.writes {
			tl.Write([]byte(w))
		}
		if tl.String() != tt.want || tl.Cut() != tt.cut {
			t.Errorf("%q: kept %q (cut %v), want %q (cut %v)", tt.writes, tl.String(), tl.Cut(), tt.want, tt.cut)
		}
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		writes []string
		want   []string
	}{
		{writes: []string{"a\nb\n"}, want: []string{"a", "b"}},                              // two lines in one write
		{writes: []string{"par", "tial\n", "rest"}, want: []string{"partial"}},              // a line over writes; no newline yet
		{writes: []string{"\n"}, want: []string{""}},                                        // an empty line
		{writes: []string{strings.Repeat("x", MaxLine+1) + "\nok\n"}, want: []string{"ok"}}, // too long: dropped
	}
	for _, tt := range tests {
		var got []string
		w := Lines(func(l []byte) { got = append(got, string(l)) })
		for _, s := range tt.writes {
			w.Write([]byte(s))
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%.40q: lines %.40q, want %q", tt.writes, got, tt.want)
		}
	}
}
