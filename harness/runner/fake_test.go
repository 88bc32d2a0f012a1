package runner

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"loopbench/app"
	"loopbench/harness/results"
	"loopbench/servers/model"
)

// fakeEnv makes the test binary act as loopbench for the runner's children:
// `serve`, `backend` and `data`, with models whose behaviour the tests know.
const fakeEnv = "RUNNER_TEST_FAKE_LOOPBENCH"

// The fake models.
const (
	modelGood   = "good"   // answers /plaintext until SIGTERM, then writes its loop lag (fakeStats)
	modelCrashy = "crashy" // answers for 700 ms, then exits with status 3
	modelBroken = "broken" // exits at once with status 1, as a stub model does
	modelMute   = "mute"   // answers for 700 ms, then closes its listener but stays alive
	modelFlaky  = "flaky"  // crashes at its first start (marked in $RUNNER_TEST_FLAKY_DIR), then is good
)

// flakyEnv names the directory where the flaky model marks its first start.
const flakyEnv = "RUNNER_TEST_FLAKY_DIR"

// cpusEnv, when set, names a directory where every fake server writes the
// CPUs it may run on (its Cpus_allowed_list) to a file named by its PID.
const cpusEnv = "RUNNER_TEST_CPUS_DIR"

// fakeLag is the loop lag the good model reports over its whole life;
// over any window in which it served, its readings say fakeServingLag.
var (
	fakeLag        = results.LoopLag{P50: 1, P99: 2, Max: 3}
	fakeServingLag = results.LoopLag{P50: 2, P99: 2, Max: 2}
)

// fakeBackend is the backend the good model says it used.
const fakeIOBackend = "epoll"

// fakeReadings takes lag readings as a loop would, every 10 ms and each
// fakeServingLag.Max late, from its start until stopped, with a reading of
// a 400 ms stall seen at the start (start-up's) and one of 600 ms seen
// 700 ms after the stop: readings of neither stall fall in a window.
type fakeReadings struct {
	mu   sync.Mutex
	rs   []model.LagReading
	stop chan struct{}
	done chan struct{}
}

func startFakeReadings() *fakeReadings {
	f := &fakeReadings{stop: make(chan struct{}), done: make(chan struct{})}
	f.add(time.Now(), 400*time.Millisecond)
	go func() {
		defer close(f.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case now := <-tick.C:
				f.add(now, time.Duration(fakeServingLag.Max*float64(time.Millisecond)))
			case <-f.stop:
				return
			}
		}
	}()
	return f
}

func (f *fakeReadings) add(at time.Time, late time.Duration) {
	f.mu.Lock()
	f.rs = append(f.rs, model.LagReading{UnixNano: at.UnixNano(), LateUs: late.Microseconds()})
	f.mu.Unlock()
}

// write stops the readings and writes the stats file.
func (f *fakeReadings) write(path string) error {
	close(f.stop)
	<-f.done
	f.add(time.Now().Add(700*time.Millisecond), 600*time.Millisecond)
	l := model.LoopLag{P50: fakeLag.P50, P99: fakeLag.P99, Max: fakeLag.Max}
	return model.WriteStats(path, model.Stats{LoopLag: l, Loops: 1, Backend: fakeIOBackend,
		Readings: model.PackLagReadings(10*time.Millisecond, f.rs, 0)})
}

func fakeMain(args []string) int {
	if len(args) == 0 {
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	model := fs.String("model", "", "")
	addr := fs.String("addr", "", "")
	stats := fs.String("stats-file", "", "")
	dir := fs.String("dir", "", "")
	fs.String("data", "", "")
	fs.String("backend", "", "")
	fs.Bool("cpu-offload", false, "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	switch args[0] {
	case "data":
		if err := app.WriteDataFiles(*dir); err != nil {
			return 1
		}
		return 0
	case "backend":
		return fakeBackend(*addr)
	case "serve":
		return fakeServe(*model, *addr, *stats)
	}
	return 2
}

func fakeServe(model, addr, stats string) int {
	if model == modelBroken {
		fmt.Fprintln(os.Stderr, "loopbench: serve: model broken: unsupported")
		return 1
	}
	readings := startFakeReadings()
	if dir := os.Getenv(cpusEnv); dir != "" {
		writeAllowed(dir)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) { w.Write(app.PlaintextBody()) })
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	if model == modelMute {
		time.Sleep(700 * time.Millisecond)
		srv.Close()
	}
	if model == modelFlaky {
		mark := filepath.Join(os.Getenv(flakyEnv), "started")
		if _, err := os.Stat(mark); err != nil {
			os.WriteFile(mark, nil, 0o644)
			time.Sleep(700 * time.Millisecond)
			fmt.Fprintln(os.Stderr, "flaky: crashing at the first start")
			return 3
		}
	}
	if model == modelCrashy {
		time.Sleep(700 * time.Millisecond)
		fmt.Fprintln(os.Stderr, "crashy: about to crash")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if err := readings.write(stats); err != nil {
		return 1
	}
	return 0
}

func fakeBackend(addr string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 1
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}

// httpLoad is a small closed loop over net/http standing in for the load
// generator: Connections goroutines send GET /plaintext for the duration.
func httpLoad(ctx context.Context, req LoadRequest, p *results.Point) error {
	tr := &http.Transport{MaxIdleConnsPerHost: req.Level.Connections}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Second}
	req.OnMeasure()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, req.Workload.Duration.Duration)
	defer cancel()
	type tally struct {
		ok, errs int64
		lat      []time.Duration
	}
	out := make(chan tally)
	for range req.Level.Connections {
		go func() {
			var t tally
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := get(client, "http://"+req.Addr+"/plaintext"); err != nil {
					t.errs++
					time.Sleep(10 * time.Millisecond)
					continue
				}
				t.ok++
				t.lat = append(t.lat, time.Since(t0))
				req.Answered.Add(1)
			}
			out <- t
		}()
	}
	h := results.NewHistogram()
	for range req.Level.Connections {
		t := <-out
		p.Requests += t.ok
		if t.errs > 0 {
			p.Errors = map[string]int64{"closed": t.errs + p.Errors["closed"]}
		}
		for _, d := range t.lat {
			h.RecordValue(max(1, d.Microseconds()))
		}
	}
	req.OnMeasureEnd()
	p.Duration = time.Since(start).Seconds()
	p.Throughput = float64(p.Requests) / p.Duration
	var err error
	p.Latency, err = results.Summarize(h)
	return err
}

func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !strings.EqualFold(string(b), string(app.PlaintextBody())) {
		return errors.New("wrong body")
	}
	return nil
}

// writeAllowed writes the CPUs this process may run on into dir.
func writeAllowed(dir string) {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), []byte(strings.TrimSpace(v)), 0o644)
		}
	}
}
