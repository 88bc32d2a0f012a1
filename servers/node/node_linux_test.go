package node

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// childNode finds the pid of the node child that serves addr.
func childNode(t *testing.T, addr string) int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(field)
			cmdline, _ := os.ReadFile("/proc/" + field + "/cmdline")
			if pid > 0 && strings.Contains(string(cmdline), "\x00"+addr+"\x00") {
				return pid
			}
		}
	}
	t.Fatalf("no child process serves %s", addr)
	return 0
}

// checkPool verifies that node at pid runs libuv's pool with pool threads:
// the pool starts on first use, all its threads at once.
func checkPool(t *testing.T, pid int, addr string, pool int) {
	t.Helper()
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	if want := "UV_THREADPOOL_SIZE=" + strconv.Itoa(pool); !strings.Contains("\x00"+string(env)+"\x00", "\x00"+want+"\x00") {
		t.Errorf("node's environment lacks %s", want)
	}
	before := testkit.Threads(t, pid)
	if r, err := get(addr, "/file?name=small.bin"); err != nil || r.Status != 200 {
		t.Fatalf("/file: %v %v", r, err)
	}
	if got := testkit.Threads(t, pid) - before; got != pool {
		t.Errorf("the first /file started %d threads, want the pool's %d", got, pool)
	}
}

func TestPoolSize(t *testing.T) {
	srv := start(t, model.Config{Pool: 6})
	checkPool(t, childNode(t, srv.Addr), srv.Addr, 6)
}

// TestNoLeakedChild: after Serve returns, node is gone (and reaped).
func TestNoLeakedChild(t *testing.T) {
	srv := start(t, model.Config{})
	pid := childNode(t, srv.Addr)
	srv.Stop(t)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("node (pid %d) still exists after Serve returned: kill(0) = %v", pid, err)
	}
}

// TestStatsFile: an inline /cpu blocks the loop; the stats file written on
// stop shows a lag of about that long, over the server's life and in a
// reading taken while the request was served, among readings stamped
// within the server's life.
func TestStatsFile(t *testing.T) {
	stats := filepath.Join(t.TempDir(), "stats.json")
	life0 := time.Now()
	srv := start(t, model.Config{StatsFile: stats})
	time.Sleep(50 * time.Millisecond) // some unblocked readings first
	began := time.Now()
	if r, err := get(srv.Addr, "/cpu?iter=300000"); err != nil || r.Status != 200 {
		t.Fatalf("/cpu: %v %v", r, err)
	}
	answered := time.Now()
	blocked := answered.Sub(began)
	time.Sleep(30 * time.Millisecond) // the lag timer fires once the loop is free again
	srv.Stop(t)
	life1 := time.Now()
	st := readStats(t, stats)
	lag := st.LoopLag
	t.Logf("/cpu?iter=300000 took %v; loop lag %+v", blocked, lag)
	if lag.P50 < 0 || lag.P50 > lag.P99 || lag.P99 > lag.Max {
		t.Errorf("implausible lag %+v", lag)
	}
	floor := float64(blocked.Milliseconds())/2 - LagResolutionMillis
	if lag.Max < floor {
		t.Errorf("max lag %.1f ms after a loop blocked for %v, want at least %.1f", lag.Max, blocked, floor)
	}
	checkReadings(t, st.Readings, life0, life1)
	checkBlocked(t, st.Readings, began, answered, floor)
}

// checkReadings checks that the readings, one every LagResolutionMillis,
// were all taken within the server's life, in order.
func checkReadings(t *testing.T, r *model.LagReadings, life0, life1 time.Time) {
	t.Helper()
	if r == nil || r.Len() < 2 || r.IntervalMs != LagResolutionMillis || r.Dropped != 0 {
		t.Fatalf("readings %+v: want several, every %d ms, none dropped", r, LagResolutionMillis)
	}
	life0 = life0.Truncate(time.Millisecond) // readings' times are whole milliseconds
	for i := range r.Len() {
		at := time.Unix(0, r.Reading(i).UnixNano)
		if at.Before(life0) || at.After(life1) || (i > 0 && r.AtMs[i] < r.AtMs[i-1]) {
			t.Fatalf("reading %d of %d taken at %v, out of order or outside the server's life %v to %v",
				i, r.Len(), at.Format(time.StampMicro), life0.Format(time.StampMicro), life1.Format(time.StampMicro))
		}
	}
}

// checkBlocked checks that the latest reading at least minMs late was taken
// between the blocking request's send and a little after its answer.
func checkBlocked(t *testing.T, r *model.LagReadings, sent, answered time.Time, minMs float64) {
	t.Helper()
	var late model.LagReading
	for i := range r.Len() {
		if rd := r.Reading(i); float64(rd.LateUs) >= minMs*1000 {
			late = rd
		}
	}
	at := time.Unix(0, late.UnixNano)
	if late.LateUs == 0 || at.Before(sent.Truncate(time.Millisecond)) || at.After(answered.Add(time.Second)) {
		t.Errorf("the reading at least %.1f ms late was taken at %v (%+v); the request was sent at %v and answered at %v",
			minMs, at.Format(time.StampMicro), late, sent.Format(time.StampMicro), answered.Format(time.StampMicro))
	}
}

// LagResolutionMillis is server.js's LAG_RESOLUTION_MS.
const LagResolutionMillis = 10

func readLag(t *testing.T, path string) model.LoopLag {
	t.Helper()
	return readStats(t, path).LoopLag
}

func readStats(t *testing.T, path string) model.Stats {
	t.Helper()
	s, ok, err := model.ReadStats(path)
	if err != nil || !ok {
		t.Fatalf("stats file %s: ok %v, %v", path, ok, err)
	}
	return s
}

// TestExec runs the test binary as `loopbench serve --model node` would:
// Exec must leave node itself as the process, with the pool size in its
// environment, and node must stop cleanly on SIGTERM and write its stats.
func TestExec(t *testing.T) {
	requireNode(t)
	addr, stats := testkit.FreeAddr(t), filepath.Join(t.TempDir(), "stats.json")
	cmd, done, stderr := startHelper(t, addr, execHelperEnv+"="+addr, "LOOPBENCH_NODE_EXEC_POOL=3",
		"LOOPBENCH_NODE_EXEC_STATS="+stats, "LOOPBENCH_NODE_EXEC_DATA="+testkit.DataDir(t))
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
	if strings.TrimSpace(string(comm)) != "node" {
		t.Errorf("the started process is %q, want node itself", comm)
	}
	checkPool(t, cmd.Process.Pid, addr, 3)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("node exited with %v on SIGTERM; stderr:\n%s", err, stderr)
		}
	case <-time.After(stopTimeout):
		t.Fatalf("node did not stop on SIGTERM; stderr:\n%s", stderr)
	}
	readLag(t, stats)
}

// TestParentKilled: when the process running Serve dies without stopping
// node (SIGKILL), the kernel kills node too.
func TestParentKilled(t *testing.T) {
	requireNode(t)
	addr := testkit.FreeAddr(t)
	cmd, done, _ := startHelper(t, addr, execHelperEnv+"="+serveHelperValue, "LOOPBENCH_NODE_SERVE_ADDR="+addr)
	children, _ := filepath.Glob("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/*/children")
	var pid int
	for _, f := range children {
		if b, _ := os.ReadFile(f); len(strings.Fields(string(b))) > 0 {
			pid, _ = strconv.Atoi(strings.Fields(string(b))[0])
		}
	}
	cmd.Process.Kill()
	<-done
	if pid == 0 {
		t.Fatal("the helper has no child process")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return // gone, or a zombie waiting for init to reap it
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("node (pid %d) outlived the killed parent by 10 s", pid)
		}
	}
}

// startHelper runs the test binary as execHelper with env added to its
// environment and waits until addr accepts connections. done receives what
// cmd.Wait returns; the caller kills the helper.
func startHelper(t *testing.T, addr string, env ...string) (cmd *exec.Cmd, done chan error, stderr *testkit.SyncBuffer) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	stderr = &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := testkit.WaitListening(addr, done); err != nil {
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
	return cmd, done, stderr
}
