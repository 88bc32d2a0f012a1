package eventloop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"loopbench/app"
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
	iter := cpuIterations(200 * time.Millisecond)
	ts := startServer(t, model.Config{}, nil)
	c := ts.dial(t)
	time.Sleep(50 * time.Millisecond) // some unblocked lag samples first
	start := time.Now()
	if status, _ := get(t, c, bufio.NewReader(c), "/cpu?iter="+strconv.Itoa(iter)); status != 200 {
		t.Fatalf("status %d", status)
	}
	blocked := time.Since(start)
	time.Sleep(30 * time.Millisecond) // the lag timer fires once the loop is free again
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	lag := lagStats(ts.s.lagHistograms()).LoopLag
	// The loop was blocked for most of the request's time; its timer was at
	// least that late, less one interval.
	if want := float64(blocked-lagInterval-20*time.Millisecond) / 1e6; lag.Max < want/2 {
		t.Errorf("max loop lag %.1f ms after blocking the loop for %v", lag.Max, blocked)
	}
	t.Logf("blocked %v: lag p50 %.2f ms, p99 %.2f ms, max %.2f ms", blocked, lag.P50, lag.P99, lag.Max)
}

// cpuIterations calibrates /cpu to take about d on this machine.
func cpuIterations(d time.Duration) int {
	const probe = 2000
	start := time.Now()
	app.CPU(probe)
	per := time.Since(start) / probe
	return max(int(d/max(per, 1)), 1000)
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
	before := openFDs(t)
	ts := startServer(t, model.Config{}, nil)
	c := ts.dial(t)
	idle := ts.dial(t)
	fmt.Fprintf(c, "GET /sleep?ms=300 HTTP/1.1\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // the request is in flight
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	if status, body := readAnswer(t, bufio.NewReader(c)); status != 200 || body != "slept 300 ms" {
		t.Errorf("in-flight answer during stop: %d %q", status, body)
	}
	if n, err := idle.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("idle connection during stop: read %d, %v; want EOF", n, err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Error("the listener still accepts after stop")
	}
	c.Close()
	idle.Close()
	if after := openFDs(t); after > before {
		t.Errorf("%d descriptors open after stop, %d before", after, before)
	}
}

func TestSeveralLoopsShareThePort(t *testing.T) {
	ts := startServer(t, model.Config{Loops: 2}, nil)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			c := ts.dial(t)
			r := bufio.NewReader(c)
			for range 20 {
				if status, body := get(t, c, r, "/sleep?ms=1"); status != 200 || body != "slept 1 ms" {
					t.Errorf("%d %q", status, body)
					return
				}
			}
		})
	}
	wg.Wait()
}

// fakeBackend answers the upstream protocol and counts its connections.
func fakeBackend(t *testing.T) (addr string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = new(atomic.Int32)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			wg.Go(func() { serveUpstream(c) })
		}
	})
	return ln.Addr().String(), conns
}

func serveUpstream(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		_, ms, err := app.ParseUpstreamRequest(line)
		if err != nil {
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		if _, err := c.Write(app.AppendUpstreamReply(nil, ms)); err != nil {
			return
		}
	}
}

func TestUpstreamReusesBackendConnections(t *testing.T) {
	backend, conns := fakeBackend(t)
	ts := startServer(t, model.Config{Backend: backend, Loops: 2}, nil) // two loops: each dials on its own
	var wg sync.WaitGroup
	const clients, calls = 4, 10
	for range clients {
		wg.Go(func() {
			c := ts.dial(t)
			r := bufio.NewReader(c)
			for range calls {
				if status, body := get(t, c, r, "/upstream?ms=2"); status != 200 || body != "upstream 2 ms" {
					t.Errorf("%d %q", status, body)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n > clients {
		t.Errorf("%d backend connections for %d concurrent callers: not reused", n, clients)
	}
}

func TestUpstreamBackendDownIs502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ts := startServer(t, model.Config{Backend: addr}, nil)
	c := ts.dial(t)
	if status, _ := get(t, c, bufio.NewReader(c), "/upstream?ms=1"); status != 502 {
		t.Errorf("status %d, want 502", status)
	}
}
