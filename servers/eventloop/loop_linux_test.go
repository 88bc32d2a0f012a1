package eventloop

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"slices"
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
	sent := time.Now()
	if a := c.Get(t, "/cpu?iter="+strconv.Itoa(iter)); a.Status != 200 {
		t.Fatalf("GET /cpu = %v", a)
	}
	answered := time.Now()
	time.Sleep(30 * time.Millisecond) // the lag timer fires once the loop is free again
	ts.Stop(t)
	st := ts.s.lagStats()
	lag := st.LoopLag
	// The loop thread spent about cpu of its own CPU time on the request,
	// so it was blocked at least that long on the wall clock (longer on a
	// busy host), and its timer was at least that late, less one interval.
	want := float64(cpu-lagInterval) / 1e6
	if lag.Max < want/2 {
		t.Errorf("max loop lag %.1f ms after blocking the loop for %v of CPU time", lag.Max, cpu)
	}
	t.Logf("blocked for %v of CPU: lag p50 %.2f ms, p99 %.2f ms, max %.2f ms", cpu, lag.P50, lag.P99, lag.Max)
	checkBlockedReading(t, st.Readings, sent, answered, want/2)
}

// checkBlockedReading checks that the latest reading at least minMs late
// was taken once the request sent at sent had blocked the loop, and no
// later than a little after its answer: the loop sees its timer when it
// polls again, right after writing the answer.
func checkBlockedReading(t *testing.T, r *model.LagReadings, sent, answered time.Time, minMs float64) {
	t.Helper()
	if r == nil || r.Len() == 0 {
		t.Fatalf("no lag readings: %+v", r)
	}
	var late model.LagReading
	for i := range r.Len() {
		if rd := r.Reading(i); float64(rd.LateUs) >= minMs*1000 {
			late = rd
		}
	}
	at := time.Unix(0, late.UnixNano)
	// Readings' times are whole milliseconds.
	if late.LateUs == 0 || at.Before(sent.Truncate(time.Millisecond)) || at.After(answered.Add(time.Second)) {
		t.Errorf("the reading at least %.1f ms late was taken at %v (%+v); the request was sent at %v and answered at %v",
			minMs, at.Format(time.StampMicro), late, sent.Format(time.StampMicro), answered.Format(time.StampMicro))
	}
	if due := at.Add(-time.Duration(late.LateUs) * time.Microsecond); due.Before(sent.Add(-lagInterval - time.Millisecond)) {
		t.Errorf("the late timer was due at %v, more than an interval before the request was sent at %v", due.Format(time.StampMicro), sent.Format(time.StampMicro))
	}
}

// TestLagLogKeepsTheNewest: past its bound, the log overwrites its oldest
// readings and counts them.
func TestLagLogKeepsTheNewest(t *testing.T) {
	tests := []struct {
		keep, add   int
		kept        []int64 // the times kept, in any order
		wantDropped int64
	}{
		{keep: 3, add: 2, kept: []int64{0, 1}},
		{keep: 3, add: 3, kept: []int64{0, 1, 2}},
		{keep: 3, add: 7, kept: []int64{4, 5, 6}, wantDropped: 4},
		{keep: 0, add: 2, kept: nil, wantDropped: 2}, // more loops than readings to share
	}
	for _, tt := range tests {
		g := lagLog{keep: tt.keep}
		for i := range tt.add {
			g.add(lagReading{at: int64(i), late: 1})
		}
		var kept []int64
		for _, r := range g.buf {
			kept = append(kept, r.at)
		}
		slices.Sort(kept)
		if !slices.Equal(kept, tt.kept) || g.dropped != tt.wantDropped {
			t.Errorf("keep %d, add %d: kept %v, dropped %d; want %v, %d", tt.keep, tt.add, kept, g.dropped, tt.kept, tt.wantDropped)
		}
	}
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
	st, ok, err := model.ReadStats(stats)
	if err != nil || !ok {
		t.Fatalf("stats file %s: ok %v, %v", stats, ok, err)
	}
	// Both loops served 100 ms, with a reading every 10 ms each.
	if r := st.Readings; r == nil || r.Len() < 2 || r.IntervalMs != 10 {
		t.Errorf("stats file %s: readings %+v, want some of both loops every 10 ms", stats, r)
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
