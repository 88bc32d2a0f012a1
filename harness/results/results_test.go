package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// TestHistogramsMergeExactly checks the property two-host and multi-client
// runs rely on: histograms encoded by separate producers, decoded and merged,
// equal the histogram of all values recorded in one place.
func TestHistogramsMergeExactly(t *testing.T) {
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for i := int64(1); i <= 20000; i++ {
		v := i*37%100000 + 1
		if i%3 == 0 {
			v *= 50 // a slow tail on one producer only
		}
		h := a
		if i%2 == 0 {
			h = b
		}
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
		if err := all.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	merged := NewHistogram()
	for _, h := range []*hdr.Histogram{a, b} {
		enc, err := EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeHistogram(enc)
		if err != nil {
			t.Fatal(err)
		}
		merged.Merge(dec)
	}
	for _, q := range []float64{0, 50, 90, 99, 99.9, 99.99, 100} {
		if got, want := merged.ValueAtQuantile(q), all.ValueAtQuantile(q); got != want {
			t.Errorf("p%v after merging: %d, recorded in one histogram: %d", q, got, want)
		}
	}
	if merged.TotalCount() != all.TotalCount() {
		t.Errorf("merged count %d, want %d", merged.TotalCount(), all.TotalCount())
	}
	if _, err := DecodeHistogram("not a histogram"); err == nil {
		t.Error("decoding garbage succeeded")
	}
}

func TestSummarize(t *testing.T) {
	h := NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v)
	}
	l, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	if l.Count != 1000 || l.P50 < 499 || l.P50 > 501 || l.P99 < 989 || l.P99 > 991 || l.Max < 1000 || l.Max > 1001 {
		t.Errorf("Summarize of 1..1000 µs = %+v", l)
	}
	back, err := DecodeHistogram(l.Histogram)
	if err != nil || back.TotalCount() != 1000 {
		t.Errorf("the summary's histogram decodes to %v values, %v", back, err)
	}
}

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run := &Run{
		ID:      "20260101T000000Z-host",
		Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Env:     Env{Host: "host", Cores: 2, ServerCPUs: "1", ClientCPUs: "0"},
		Points: []Point{
			{Workload: "plaintext", Model: "eventloop", Variant: "default", Mode: "closed", Connections: 64, Requests: 10, Throughput: 5,
				Errors: map[string]int64{"timeout": 2}, LoopLag: &LoopLag{P50: 1, P99: 2, Max: 3, Samples: 150}, Backend: "io_uring"},
			{Workload: "plaintext", Model: "threaded", Variant: "default", Mode: "closed", Connections: 64, Failed: true, FailReason: "exited"},
		},
	}
	if err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != SchemaVersion || len(got.Points) != 2 || *got.Points[0].LoopLag != *run.Points[0].LoopLag ||
		got.Points[0].Backend != "io_uring" || !got.Points[1].Failed {
		t.Errorf("read back %+v", got)
	}
	csv, err := os.ReadFile(filepath.Join(dir, CSVFile))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines != 3 {
		t.Errorf("points.csv has %d lines, want a header and 2 rows:\n%s", lines, csv)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string // run.json; "" means no file at all
		want    string // a phrase the error must contain
	}{
		// No run.json: say which directory to pass instead.
		{"missing", "", "results/latest"},
		// Not JSON: name the file.
		{"garbage", "{not json", "not a loopbench results file"},
		// A newer or older schema: name the field and the fix.
		{"schema", `{"schema": 99}`, `field "schema" is 99`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "" {
				if err := os.WriteFile(filepath.Join(dir, RunFile), []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Read(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), RunFile) {
				t.Errorf("Read: %v, want an error naming %s and containing %q", err, RunFile, tt.want)
			}
		})
	}
}

// TestWriteFileAtomic replaces a file whole, with the mode asked, and
// leaves no temporary file behind, nor one when the directory is missing.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "REPORT.md")
	for _, content := range []string{"first, the longer one\n", "second\n"} {
		if err := WriteFileAtomic(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != content {
			t.Errorf("read back %q %v, want %q", b, err, content)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v %v, want 0640", fi.Mode(), err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o644); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want REPORT.md alone", len(ents))
	}
}

func TestLinkReplaces(t *testing.T) {
	root := t.TempDir()
	link := filepath.Join(root, "latest")
	for _, name := range []string{"first", "second"} {
		if err := os.Mkdir(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Link(link, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	target, err := os.Readlink(link)
	if err != nil || target != "second" {
		t.Errorf("latest -> %q (%v), want the relative name second", target, err)
	}
}

func TestGroupsAndMeasure(t *testing.T) {
	pt := func(model string, conns int, tput float64, failed, bound bool) Point {
		return Point{Workload: "w", Model: model, Variant: "default", Connections: conns, Throughput: tput, Failed: failed, ClientBound: bound}
	}
	points := []Point{
		pt("a", 16, 10, false, false),
		pt("b", 16, 5, false, false),
		pt("a", 16, 30, false, true),
		pt("a", 16, 20, false, false),
		pt("a", 16, 999, true, false), // failed: left out of the figures
	}
	groups := Groups(points)
	if len(groups) != 2 || groups[0].Key.Model != "a" || groups[1].Key.Model != "b" {
		t.Fatalf("groups in first-seen order: %+v", groups)
	}
	s := groups[0].Measure(func(p *Point) float64 { return p.Throughput })
	if s.Median != 20 || s.Min != 10 || s.Max != 30 || s.N != 3 || s.Spread() != 1 {
		t.Errorf("Measure = %+v, spread %v", s, s.Spread())
	}
	even := Group{Points: []*Point{{Throughput: 1}, {Throughput: 4}}}
	if m := even.Measure(func(p *Point) float64 { return p.Throughput }).Median; m != 2.5 {
		t.Errorf("median of 1 and 4 = %v, want 2.5", m)
	}
	if !groups[0].ClientBound() || groups[0].Failed() || groups[1].ClientBound() {
		t.Error("ClientBound or Failed wrong")
	}
	if k := (Key{Model: "gnet", Variant: "cpu-offload", Rate: 400, Connections: 256}); k.Series() != "gnet cpu-offload" || k.Level() != 400 {
		t.Errorf("Series %q Level %v", k.Series(), k.Level())
	}
}

func TestPointJSONNames(t *testing.T) {
	b, err := json.Marshal(LoopLag{P50: 1, P99: 2, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"p50_ms":1,"p99_ms":2,"max_ms":3}` {
		t.Errorf("LoopLag JSON %s: the servers' stats files use these names", b)
	}
}

// TestStatIntervals wants a 95% confidence interval of the median from six
// repetitions on (as benchstat gives one), and the bare range below that.
func TestStatIntervals(t *testing.T) {
	six := StatOf([]float64{10, 12, 11, 13, 9, 14})
	if !six.HasCI() || six.Median != 11.5 || six.Lo < 9 || six.Hi > 14 || six.Lo > six.Median || six.Hi < six.Median {
		t.Errorf("six repetitions: %+v, want median 11.5 inside a 95%% interval within the range", six)
	}
	three := StatOf([]float64{10, 30, 20})
	if three.HasCI() || three.Median != 20 || three.Lo != 10 || three.Hi != 30 {
		t.Errorf("three repetitions: %+v, want median 20 and the range 10..30, no interval", three)
	}
}

// TestMeasureLeavesPartialPointsOut wants partial points out of a group's
// figures while usable ones exist, and marked when they are all there is.
func TestMeasureLeavesPartialPointsOut(t *testing.T) {
	g := Group{Points: []*Point{
		{Throughput: 100, Validity: Validity{Status: Valid}},
		{Throughput: 10, Validity: Validity{Status: Partial}},
		{Throughput: 1, Failed: true},
	}}
	tput := func(p *Point) float64 { return p.Throughput }
	if s := g.Measure(tput); s.N != 1 || s.Median != 100 || s.Partial {
		t.Errorf("usable and partial points: %+v, want the usable one alone", s)
	}
	g.Points = g.Points[1:]
	if s := g.Measure(tput); s.N != 1 || s.Median != 10 || !s.Partial {
		t.Errorf("partial points only: %+v, want them, marked partial", s)
	}
}

// TestOldLoopLag: a point stored before the loop lag was taken over the
// window reads as it was written, its figures the server's whole life's
// (no samples), without a backend, and writes back unchanged.
func TestOldLoopLag(t *testing.T) {
	const old = `{"workload":"w","model":"eventloop","loop_lag":{"p50_ms":0.1,"p99_ms":2,"max_ms":30}}`
	var p Point
	if err := json.Unmarshal([]byte(old), &p); err != nil {
		t.Fatal(err)
	}
	if p.LoopLag == nil || *p.LoopLag != (LoopLag{P50: 0.1, P99: 2, Max: 30}) || p.Backend != "" {
		t.Errorf("old point read as loop lag %+v, backend %q", p.LoopLag, p.Backend)
	}
	b, err := json.Marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"loop_lag":{"p50_ms":0.1,"p99_ms":2,"max_ms":30}`) || strings.Contains(s, `"backend"`) {
		t.Errorf("old point written back as %s", s)
	}
}

// TestGroupsByCPUCount wants points measured at different server CPU
// counts to be different configurations, each with the count as its
// level, and points without a count (every run before counts were swept)
// to group and place exactly as before.
func TestGroupsByCPUCount(t *testing.T) {
	pt := func(model string, cpus, rep int) Point {
		return Point{Workload: "w", Model: model, Variant: "default", Connections: 16, Pipeline: 1, ServerCPUCount: cpus, Rep: rep}
	}
	tests := []struct {
		name   string
		points []Point
		want   []string // each group as "model/connections/cpus×points"
		levels []float64
	}{
		// The counts of one model and level are two configurations.
		{"counts apart", []Point{pt("a", 1, 0), pt("a", 2, 0), pt("a", 1, 1), pt("a", 2, 1)}, []string{"a/16/1×2", "a/16/2×2"}, []float64{1, 2}},
		// Points without a count group by model and level alone.
		{"no counts", []Point{pt("a", 0, 0), pt("b", 0, 0), pt("a", 0, 1)}, []string{"a/16/0×2", "b/16/0×1"}, []float64{16, 16}},
	}
	for _, tt := range tests {
		var got []string
		var levels []float64
		for _, g := range Groups(tt.points) {
			got = append(got, fmt.Sprintf("%s/%d/%d×%d", g.Key.Model, g.Key.Connections, g.Key.CPUs, len(g.Points)))
			levels = append(levels, g.Key.Level())
		}
		if !slices.Equal(got, tt.want) || !slices.Equal(levels, tt.levels) {
			t.Errorf("%s: groups %v at levels %v, want %v at %v", tt.name, got, levels, tt.want, tt.levels)
		}
	}
	// An old point's key is the key it always had: the zero count adds nothing.
	old := pt("a", 0, 0)
	if k := old.Key(); k != (Key{Workload: "w", Model: "a", Variant: "default", Connections: 16, Pipeline: 1}) {
		t.Errorf("key of a point without a count: %+v", k)
	}
}
