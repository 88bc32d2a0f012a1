package sample

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a child with known resources.
const helperEnv = "SAMPLE_TEST_HELPER"

const (
	helperMemory  = 64 << 20
	helperThreads = 8
	helperFiles   = 20
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		helper()
		return
	}
	os.Exit(m.Run())
}

var sink []byte

// helper touches 64 MiB, parks 8 goroutines each on its own OS thread, opens
// 20 files, says "ready" and waits for its stdin to close.
func helper() {
	sink = make([]byte, helperMemory)
	for i := range sink {
		sink[i] = byte(i)
	}
	r, w, err := os.Pipe()
	if err != nil {
		os.Exit(3)
	}
	for range helperThreads {
		go func() {
			runtime.LockOSThread()
			var b [1]byte
			syscall.Read(int(r.Fd()), b[:]) // blocks this thread until the pipe closes
		}()
	}
	var files []*os.File
	for range helperFiles {
		f, err := os.Open(os.DevNull)
		if err != nil {
			os.Exit(3)
		}
		files = append(files, f)
	}
	time.Sleep(200 * time.Millisecond) // let the threads start
	os.Stdout.WriteString("ready\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	w.Close()
	runtime.KeepAlive(files)
	runtime.KeepAlive(sink)
}

// startHelper starts the helper child and waits until it is ready.
func startHelper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper did not get ready: %q %v", line, err)
	}
	return cmd
}

func TestReadKnownChild(t *testing.T) {
	cmd := startHelper(t)
	st, err := Read(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"RSS >= 64 MiB", st.RSS >= helperMemory},
		{"RSS < 1 GiB", st.RSS < 1<<30},
		{"peak RSS >= RSS", st.PeakRSS >= st.RSS},
		{"threads >= 8", st.Threads >= helperThreads},
		{"fds >= 23", st.FDs >= helperFiles+3},
		{"fds < 200", st.FDs < 200},
		{"context switches counted", st.VolCtxSw+st.InvolCtxSw > 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %+v", c.what, st)
		}
	}
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/fd")
	if err != nil || len(entries) != st.FDs {
		t.Errorf("fds: Read says %d, the directory lists %d (%v)", st.FDs, len(entries), err)
	}
}

func TestSampler(t *testing.T) {
	cmd := startHelper(t)
	var answered atomic.Int64
	s, err := Start(cmd.Process.Pid, 20*time.Millisecond, &answered)
	if err != nil {
		t.Fatal(err)
	}
	answered.Store(42)
	time.Sleep(150 * time.Millisecond)
	u, samples, err := s.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) == 0 {
		t.Fatal("no samples")
	}
	last := samples[len(samples)-1]
	if last.RSS < helperMemory || last.Threads < helperThreads || last.Requests != 42 {
		t.Errorf("last sample: %+v", last)
	}
	if u.PeakRSS < helperMemory || u.Threads < helperThreads || u.FDs < helperFiles || u.CPUUser < 0 || u.CPUSys < 0 || u.VolCtxSw < 0 || u.InvolCtxSw < 0 {
		t.Errorf("usage: %+v", u)
	}
}

func TestSamplerProcessGone(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	bufio.NewReader(stdout).ReadString('\n')
	s, err := Start(cmd.Process.Pid, 10*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	cmd.Wait()
	u, _, err := s.Stop()
	if !errors.Is(err, ErrGone) {
		t.Errorf("Stop after the process exited: got %v, want ErrGone", err)
	}
	if u.PeakRSS < helperMemory {
		t.Errorf("usage lost the last good reading: %+v", u)
	}
	if _, err := Read(cmd.Process.Pid); !errors.Is(err, ErrGone) {
		t.Errorf("Read of a reaped process: got %v, want ErrGone", err)
	}
}

func TestSelf(t *testing.T) {
	u1, s1, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	u2, s2, err := Self()
	if err != nil {
		t.Fatal(err)
	}
	if u2+s2 <= u1+s1 {
		t.Errorf("CPU time did not grow: %v+%v then %v+%v", u1, s1, u2, s2)
	}
}

// TestReadTree reads a shell that started two helpers, as node's cluster
// primary starts its workers: the figures are the three processes' summed.
func TestReadTree(t *testing.T) {
	cmd := exec.Command("sh", "-c", `exec 3<&0; "$0" -test.run=^$ <&3 & "$0" -test.run=^$ <&3 & wait`, os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("no sh: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	r := bufio.NewReader(stdout)
	for range 2 {
		if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("a helper did not get ready: %q %v", line, err)
		}
	}
	if kids := descendants(cmd.Process.Pid); len(kids) != 2 {
		t.Fatalf("descendants of the shell: %v, want its two helpers", kids)
	}
	st, err := Read(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.RSS < 2*helperMemory || st.Threads < 2*helperThreads+1 || st.FDs < 2*helperFiles || st.VolCtxSw+st.InvolCtxSw == 0 {
		t.Errorf("the tree's figures %+v, want at least two helpers' (%d bytes, %d threads, %d files each) and the shell's",
			st, helperMemory, helperThreads, helperFiles)
	}
}
