package eventloop

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// tidJob records the threads its work and done ran on.
type tidJob struct {
	req      workReq
	workTID  atomic.Int64
	doneTID  int
	finished *int
}

func (j *tidJob) work() { j.workTID.Store(int64(unix.Gettid())) }
func (j *tidJob) done() { j.doneTID = unix.Gettid(); *j.finished++ }

func TestPoolCompletionsRunOnTheLoopThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	srv := &server{}
	l, err := newLoop(srv)
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(4)
	const n = 500
	finished := 0
	jobs := make([]tidJob, n)
	for i := range jobs {
		jobs[i] = tidJob{finished: &finished}
		jobs[i].req = workReq{job: &jobs[i], to: &l.done}
		p.submit(&jobs[i].req)
	}
	for deadline := time.Now().Add(20 * time.Second); finished < n && time.Now().Before(deadline); {
		l.updateTime()
		l.runPending()
		if err := l.poll(100); err != nil {
			t.Fatal(err)
		}
	}
	p.close()
	l.closeFDs()
	loopTID := unix.Gettid()
	if finished != n {
		t.Fatalf("%d of %d completions ran", finished, n)
	}
	for i := range jobs {
		if jobs[i].doneTID != loopTID || jobs[i].workTID.Load() == int64(loopTID) {
			t.Fatalf("job %d: work on thread %d, done on %d; the loop is %d", i, jobs[i].workTID.Load(), jobs[i].doneTID, loopTID)
		}
	}
}

func TestLoopLagShowsABlockedLoop(t *testing.T) {
	const cpu = 200 * time.Millisecond
	iter := cpuIterations(cpu)
	ts := startServer(t, model.Config{}, nil)
	c := testkit.Dial(t, ts.Addr)
	time.Sleep(50 * time.Millisecond) // some unblocked lag samples first
	if a := c.Get(t, "/cpu?iter="+strconv.Itoa(iter)); a.Status != 200 {
		t.Fatalf("GET /cpu = %v", a)
	}
	time.Sleep(30 * time.Millisecond) // the lag timer fires once the loop is free again
	ts.Stop(t)
	lag := lagStats(ts.s.lagHistograms()).LoopLag
	// The loop thread spent about cpu of its own CPU time on the request,
	// so it was blocked at least that long on the wall clock (longer on a
	// busy host), and its timer was at least that late, less one interval.
	if want := float64(cpu-lagInterval) / 1e6; lag.Max < want/2 {
		t.Errorf("max loop lag %.1f ms after blocking the loop for %v of CPU time", lag.Max, cpu)
	}
	t.Logf("blocked for %v of CPU: lag p50 %.2f ms, p99 %.2f ms, max %.2f ms", cpu, lag.P50, lag.P99, lag.Max)
}

// cpuIterations calibrates /cpu to take about d of CPU time on this
// machine, measured on the calibrating thread alone, so a busy host that
// delays the calibration does not make the work shorter.
func cpuIterations(d time.Duration) int {
	const probe = 20000
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadCPU()
	app.CPU(probe)
	per := (threadCPU() - before) / probe
	return max(int(d/max(per, 1)), 1000)
}

// threadCPU is the calling thread's CPU time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func TestServeWritesStatsFileAndStops(t *testing.T) {
	dir := t.TempDir()
	stats := filepath.Join(dir, "stats.json")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := New().Serve(ctx, model.Config{Addr: "127.0.0.1:0", DataDir: dir, StatsFile: stats, Loops: 2})
	if !errors.Is(err, model.ErrServerClosed) {
		t.Fatalf("Serve = %v, want model.ErrServerClosed", err)
	}
	if _, ok, err := model.ReadStats(stats); err != nil || !ok {
		t.Fatalf("stats file %s: ok %v, %v", stats, ok, err)
	}
}

func TestServeRefusesBadAddresses(t *testing.T) {
	tests := []struct {
		cfg  model.Config
		want string
	}{
		{model.Config{Addr: "no-port"}, "--addr"},                            // a host without a port
		{model.Config{Addr: "127.0.0.1:0", Backend: "no-port"}, "--backend"}, // the same for the backend
	}
	for _, tt := range tests {
		err := New().Serve(context.Background(), tt.cfg)
		if err == nil || errors.Is(err, model.ErrServerClosed) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Serve(%+v) = %v, want an error naming %s", tt.cfg, err, tt.want)
		}
	}
}

func TestStopLetsDeferredAnswersFinish(t *testing.T) {
	before := testkit.OpenFDs(t)
	ts := startServer(t, model.Config{}, nil)
	c := testkit.Dial(t, ts.Addr)
	idle := testkit.Dial(t, ts.Addr)
	c.Send(t, testkit.Get("/sleep?ms=300"))
	time.Sleep(50 * time.Millisecond) // the request is in flight
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ts.Stop(t)
	}()
	if a := c.MustRead(t, "GET"); a.Status != 200 || string(a.Body) != "slept 300 ms" {
		t.Errorf("in-flight answer during stop: %v", a)
	}
	if n, err := idle.R.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("idle connection during stop: read %d, %v; want EOF", n, err)
	}
	<-stopped
	if _, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
		t.Error("the listener still accepts after stop")
	}
	c.Conn.Close()
	idle.Conn.Close()
	if after := testkit.OpenFDs(t); after > before {
		t.Errorf("%d descriptors open after stop, %d before", after, before)
	}
}
