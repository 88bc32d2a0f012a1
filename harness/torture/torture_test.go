package torture

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"loopbench/harness/proc"
	"loopbench/servers/eventloop"
	"loopbench/servers/model"
)

func TestP99(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		d := make([]time.Duration, len(ns))
		for i, n := range ns {
			d[i] = time.Duration(n) * time.Millisecond
		}
		return d
	}
	tests := []struct {
		name string
		lat  []time.Duration
		want float64
	}{
		{name: "none", want: 0},
		{name: "one", lat: ms(7), want: 7},
		{name: "hundred: the 99th", lat: ms(append(make([]int, 98), 5, 50)...), want: 5},
		{name: "unsorted", lat: ms(3, 1, 2), want: 3},
	}
	for _, tt := range tests {
		if got := (probed{latencies: tt.lat}).p99Ms(); got != tt.want {
			t.Errorf("%s: p99 %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestReportRoundTrip(t *testing.T) {
	rep := &Report{Schema: Schema, Start: time.Now().UTC(), End: time.Now().UTC(), HeadTimeout: "2s", Scale: 1, Results: []Result{
		{Model: "eventloop", Scenario: "slowloris", Survived: true, ProbeOK: 99, ProbeFailed: 1, ProbeP99Ms: 1.5, Notes: []string{"2000 of 2000 closed"}},
		{Model: "gnet", Scenario: "fd-exhaustion", Failures: []string{"server died"}, AfterFDs: -1, AfterThreads: -1},
	}}
	dir := filepath.Join(t.TempDir(), "torture-x")
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Read(filepath.Join(dir, "torture.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != 2 || back.Results[1].Failures[0] != "server died" {
		t.Errorf("read back %+v", back.Results)
	}
	for _, f := range []string{ChartName + ".svg", ChartName + ".png"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("chart %s: %v", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "torture.md"))
	for _, want := range []string{"| eventloop | slowloris | yes | 99.0% of 100 | 1.5 ms |", "| gnet | fd-exhaustion | **no** |", "died", "**gnet / fd-exhaustion failed:** server died"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("torture.md lacks %q:\n%s", want, md)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "torture.csv"))
	if lines := strings.Count(string(csv), "\n"); lines != 3 {
		t.Errorf("torture.csv has %d lines, want a header and 2 rows:\n%s", lines, csv)
	}
	if f := rep.Failed([]string{"eventloop", "threaded"}); len(f) != 0 {
		t.Errorf("our models failed %v", f)
	}
	if f := rep.Failed([]string{"gnet"}); len(f) != 1 {
		t.Errorf("gnet's failure not found: %v", f)
	}
}

// TestScenariosInProcess runs every scenario but fd-exhaustion (which
// would lower this process's own limit), slowhttptest's and the
// differential at a small scale against the homemade loop served in this
// process, with the probe beside it: the
// attacks end on time and the server survives them.
func TestScenariosInProcess(t *testing.T) {
	head := 300 * time.Millisecond
	ctx := context.Background()
	addr, srv := serveInProcess(t, head)
	for _, sc := range All() {
		// TestSlowHTTPInProcess runs a slowhttptest attack; the differential
		// waits longer for an answer than this server's head timeout lets
		// it (harness/httpcheck's tests run it against every model).
		if sc.Name == "fd-exhaustion" || sc.Name == "differential" || strings.HasPrefix(sc.Name, "slowhttptest-") {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			env := &Env{Addr: addr, HeadTimeout: head, Scale: 0.02, server: srv}
			p := startProbe(addr)
			begin := time.Now()
			err := sc.Run(ctx, env)
			got := p.stop()
			if took := time.Since(begin); took > 10*time.Second {
				t.Errorf("took %v", took)
			}
			if err != nil && sc.Name != "slow-reader" { // /file has no data files here: 404s are fine
				t.Error(err)
			}
			if got.failed > 0 {
				t.Errorf("probe: %d of %d failed", got.failed, got.ok+got.failed)
			}
			if err := checkServes(addr); err != nil {
				t.Errorf("after %s: %v", sc.Name, err)
			}
			t.Logf("%v; probe %d ok", env.notes, got.ok)
		})
	}
}

// serveInProcess serves the homemade loop in this process with the given
// head timeout until the test ends, and returns its address and a server
// whose snapshots are this process's.
func serveInProcess(t *testing.T, head time.Duration) (string, *server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- eventloop.New().Serve(ctx, model.Config{Addr: addr, DataDir: t.TempDir(), HeadTimeout: head})
	}()
	t.Cleanup(func() { cancel(); <-served })
	srv := &server{addr: addr, pid: os.Getpid()}
	if err := proc.Poll(ctx, nil, 5*time.Second, func() error { return proc.Dial(addr) }); err != nil {
		t.Fatal(err)
	}
	return addr, srv
}

// TestMain checks that no test leaves a goroutine behind: every attack and
// the probe end with their scenario. (harness/plot imports the model table,
// and with it gnet, whose goroutine pool ants starts its default pool's
// goroutines when the process starts.)
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers"),
		goleak.IgnoreAnyFunction("github.com/panjf2000/ants/v2.(*poolCommon).ticktock"))
}

// FuzzRead feeds torture.json files to Read and what shows a report (the
// table, the CSV): no input may crash them.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"schema":1,"results":[{"model":"m","scenario":"s","after_fds":-1,"failures":["x"]}]}`))
	f.Add([]byte(`{"schema":1,"results":[{"probe_ok":-5,"probe_failed":5}]}`))
	f.Add([]byte(`{"schema":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "torture.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := Read(path)
		if err != nil {
			return
		}
		var sb strings.Builder
		rep.Markdown(&sb)
		rep.CSV(&sb)
		rep.Failed([]string{"threaded"})
	})
}

// TestReadBeforeChecks reads a torture.json written before the checks of
// others' tools (no timelines): it still loads, and its table and matrix
// are written.
func TestReadBeforeChecks(t *testing.T) {
	rep, err := Read(filepath.Join("testdata", "torture-before-checks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	rep.Markdown(&md)
	if !strings.Contains(md.String(), "## Matrix") || len(rep.Results) != 3 {
		t.Errorf("%d results; markdown:\n%s", len(rep.Results), md.String())
	}
	if err := rep.Write(t.TempDir()); err != nil {
		t.Error(err)
	}
}
