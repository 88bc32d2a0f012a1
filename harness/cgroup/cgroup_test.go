package cgroup

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestReadV1Fixture(t *testing.T) {
	u, err := readV1("testdata/v1/cpuacct", "testdata/v1/memory")
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{
		CPU: 1234567890, User: 1000000000, System: 234567890,
		Anon: 2 << 20, Kernel: 1 << 20, Sock: 64 << 10,
		Memory: 2<<20 + 1<<20 + 64<<10, Peak: 8 << 20,
	}
	if u != want {
		t.Errorf("readV1 =\n%+v, want\n%+v", u, want)
	}
}

func TestReadV2Fixture(t *testing.T) {
	u, err := readV2("testdata/v2")
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{
		CPU: 1234567 * time.Microsecond, User: time.Second, System: 234567 * time.Microsecond,
		Anon: 2 << 20, Kernel: 1114112, KernelStack: 327680, PageTables: 131072, Slab: 655360,
		Sock: 64 << 10, Memory: 2<<20 + 1114112 + 64<<10, Peak: 9 << 20,
	}
	if u != want {
		t.Errorf("readV2 =\n%+v, want\n%+v", u, want)
	}
}

func TestReadErrorsNameTheFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func() error
	}{
		{"v1 without cpuacct.usage", func() error { _, err := readV1(t.TempDir(), "testdata/v1/memory"); return err }},
		{"v2 without cpu.stat", func() error { _, err := readV2(t.TempDir()); return err }},
		{"v2 with a bad value", func() error {
			dir := t.TempDir()
			os.WriteFile(dir+"/cpu.stat", []byte("usage_usec x\n"), 0o644)
			_, err := readV2(dir)
			return err
		}},
	} {
		if err := tc.read(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestMountsAndOwnGroups(t *testing.T) {
	ms, err := readMounts("testdata/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	own, err := readOwn("testdata/self-cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ what, got, want string }{
		{"cgroup2 mount", mounts2(ms), "/sys/fs/cgroup/unified"},
		{"cpuacct mount", mounts1(ms, "cpuacct"), "/sys/fs/cgroup/cpuacct"},
		{"memory mount", mounts1(ms, "memory"), "/sys/fs/cgroup/memory"},
		{"blkio mount", mounts1(ms, "blkio"), ""},
		{"own memory group", own["memory"], "/process_api/abc"},
		{"own v2 group", own[""], "/user.slice/session-1.scope"},
		{"own cpuacct group", own["cpuacct"], "/"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.what, tc.got, tc.want)
		}
	}
}

// TestLiveGroup creates a real group where the host allows, moves a busy
// child into it and wants CPU and memory charged to the group.
func TestLiveGroup(t *testing.T) {
	g, err := Create(fmt.Sprintf("loopbench-test-%d", os.Getpid()))
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := g.Remove(); err != nil {
			t.Error(err)
		}
	}()
	argv := g.Wrap([]string{"sh", "-c", "read x; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"})
	cmd := exec.Command(argv[0], argv[1:]...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, "go\n")
	in.Close()
	before, _ := g.Read()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	u, err := g.Read()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %+v (while running: %+v)", g.Layout, u, before)
	if u.CPU < 10*time.Millisecond {
		t.Errorf("CPU charged to the group = %v, want the child's loop (well over 10 ms)", u.CPU)
	}
	if u.Peak < 64<<10 && before.Memory == 0 {
		t.Errorf("no memory charged to the group while the child ran: %+v", before)
	}
}
