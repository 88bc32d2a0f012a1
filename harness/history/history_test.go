package history

import (
	"bytes"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loopbench/harness/analysis"
	"loopbench/harness/changepoint"
	"loopbench/harness/compare"
	lbplot "loopbench/harness/plot"
	"loopbench/harness/results"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// synthetic is a history of n commits on one machine whose eventloop CPU
// per request is 10 µs ±1% until commit `at`, then 10.5 µs (a 5% step);
// every record is an A/B run against its parent, whose paired ratio is 1
// but at the commit that regressed.
func synthetic(n, at int) []Record {
	rng := rand.New(rand.NewPCG(1, 2))
	var recs []Record
	for i := range n {
		cpu := 10 * (1 + 0.01*rng.NormFloat64())
		ratio := 1 + 0.003*rng.NormFloat64()
		if i >= at {
			cpu *= 1.05
		}
		if i == at {
			ratio *= 1.05
		}
		lo, hi := cpu*0.99, cpu*1.01
		rlo, rhi := ratio*0.995, ratio*1.005
		recs = append(recs, Record{Schema: Schema, Commit: fmt.Sprintf("%040x", i+1), Time: t0.Add(time.Duration(i) * time.Hour),
			Machine: Machine{Fingerprint: "abc", CPUModel: "EPYC"},
			Rows: []Row{{Workload: "plaintext", Model: "eventloop", Variant: "default", Level: "c=64", Metric: "cpu", Unit: "µs/req", Test: "paired",
				Head: Stat{Median: cpu, Lo: &lo, Hi: &hi, N: 12}, Ratio: &Stat{Median: ratio, Lo: &rlo, Hi: &rhi, N: 12}}}})
	}
	return recs
}

func TestAppendAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	recs := synthetic(3, 99)
	for _, r := range recs {
		if err := Append(path, r); err != nil {
			t.Fatal(err)
		}
	}
	// A file edited by hand without a final newline still gets one record a line.
	b, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.TrimRight(b, "\n"), 0o644)
	if err := Append(path, recs[0]); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[1].Commit != recs[1].Commit || *got[2].Rows[0].Ratio.Lo != *recs[2].Rows[0].Ratio.Lo {
		t.Errorf("read back %d records: %+v", len(got), got)
	}
}

func TestReadErrors(t *testing.T) {
	good := `{"schema":1,"commit":"abc","time":"2026-12-01T10:00:00Z","machine":{"fingerprint":"f"},"rows":[]}`
	cases := []struct {
		name, text, want string
	}{
		{"not JSON", good + "\n{oops\n", "h.jsonl:2: not a history record"},
		{"an unknown field", `{"schema":1,"commit":"a","time":"2026-12-01T10:00:00Z","machine":{"fingerprint":"f"},"rowz":[]}`, `unknown field "rowz"`},
		{"another schema", strings.Replace(good, `"schema":1`, `"schema":7`, 1), "h.jsonl:1: field schema is 7"},
		{"no commit", strings.Replace(good, `"commit":"abc"`, `"commit":""`, 1), "field commit is empty"},
		{"no time", strings.Replace(good, `"time":"2026-12-01T10:00:00Z",`, ``, 1), "field time is missing"},
		{"no fingerprint", strings.Replace(good, `"fingerprint":"f"`, `"fingerprint":""`, 1), "machine.fingerprint"},
		{"a row without a metric", strings.Replace(good, `"rows":[]`, `"rows":[{"workload":"w","model":"m","level":"c=1","metric":"","head":{"median":1,"n":1}}]`, 1), "rows[0]: fields workload, model"},
		{"a negative ratio", strings.Replace(good, `"rows":[]`, `"rows":[{"workload":"w","model":"m","level":"c=1","metric":"cpu","head":{"median":1,"n":1},"ratio":{"median":-1,"n":6}}]`, 1), "ratio.median is -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.text), "h.jsonl")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want one saying %q", err, c.want)
			}
		})
	}
	if recs, err := Read(strings.NewReader("\n"+good+"\n\n"), "h.jsonl"); err != nil || len(recs) != 1 {
		t.Errorf("blank lines: %d records, %v", len(recs), err)
	}
}

func TestChangesFindThePlantedStep(t *testing.T) {
	recs := synthetic(30, 17)
	// Five records from another machine, 30% slower, interleaved: they
	// are a series of their own and change nothing.
	for i := 0; i < 5; i++ {
		r := synthetic(30, 99)[i*5]
		r.Machine.Fingerprint, r.Rows[0].Head.Median = "other", 13
		r.Rows[0].Ratio = nil
		recs = append(recs[:i*6+1], append([]Record{r}, recs[i*6+1:]...)...)
	}
	series := Collect(recs)
	if len(series) != 1 || len(series[0].Points) != 35 {
		t.Fatalf("%d series, want 1 of 35 points", len(series))
	}
	f := Changes(series, changepoint.Options{})
	if len(f) != 1 {
		t.Fatalf("%d changes, want the one at the 18th commit: %+v", len(f), f)
	}
	want := fmt.Sprintf("%040x", 18)
	if f[0].First.Commit != want || f[0].Change() < 0.04 || f[0].Change() > 0.06 || f[0].Machine != "abc" {
		t.Errorf("change at %s (%+.3f on %s), want at %s, about +5%%", f[0].First.Commit, f[0].Change(), f[0].Machine, want)
	}
	if len(f[0].Paired) != 1 || f[0].Paired[0].Commit != want {
		t.Errorf("paired evidence %+v, want the 18th commit's ratio", f[0].Paired)
	}
	if c := Commits(recs, f[0].Last.Record, f[0].First.Record); len(c) == 0 || c[len(c)-1] != want {
		t.Errorf("commit range %v, want it to end at %s", c, want)
	}
}

func TestWritePlots(t *testing.T) {
	recs := synthetic(12, 6)
	series := Collect(recs)
	dir := t.TempDir()
	files, err := WritePlots(dir, recs, series, Changes(series, changepoint.Options{}), lbplot.PaletteOf(nil))
	if err != nil || len(files) != 1 {
		t.Fatalf("WritePlots: %v, %v", files, err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() < 800 {
		t.Errorf("%s: %v", files[0], err)
	}
}

// TestFromComparison records an A/B comparison: the head's and base's
// medians and, for the paired row, the ratio and its interval.
func TestFromComparison(t *testing.T) {
	run := &results.Run{ID: "r1", Started: t0, Env: results.Env{Host: "vm", CPUModel: "EPYC", Cores: 2, MemoryBytes: 24 << 30, ServerCPUs: "1", ClientCPUs: "0"}}
	for rep := range 8 {
		for _, side := range []string{"base", "head"} {
			cpu := 10 * (1 + 0.1*float64(rep%3))
			if side == "head" {
				cpu *= 1.05
			}
			run.Points = append(run.Points, results.Point{Workload: "plaintext", Model: "eventloop", Variant: "default", Connections: 64, Rep: rep,
				Side: side, Requests: 1000, Throughput: 1e6 / cpu, CPUPerRequest: cpu, ClientBound: true, Validity: results.Validity{Status: results.Valid}})
		}
	}
	base, head := *run, *run
	base.Points, head.Points = nil, nil
	for _, p := range run.Points {
		if p.Side == "base" {
			base.Points = append(base.Points, p)
		} else {
			head.Points = append(head.Points, p)
		}
	}
	res, err := compare.Compare(analysis.Analyze(&base), analysis.Analyze(&head), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := FromComparison(res, &head, "c1", "c0")
	var cpu, tput *Row
	for i := range rec.Rows {
		switch rec.Rows[i].Metric {
		case "cpu":
			cpu = &rec.Rows[i]
		case "throughput":
			tput = &rec.Rows[i]
		}
	}
	if cpu == nil || cpu.Ratio == nil || cpu.Ratio.Lo == nil || cpu.Ratio.Median < 1.04 || cpu.Ratio.Median > 1.06 || cpu.Test != "paired" || cpu.Base == nil {
		t.Errorf("cpu row %+v", cpu)
	}
	if tput == nil || tput.Ratio != nil || tput.ClientBound != 16 {
		t.Errorf("throughput row %+v, want no ratio and 16 client-bound repetitions", tput)
	}
	if rec.Machine.Fingerprint == "" || rec.Machine.MemoryGiB != 24 || rec.Commit != "c1" || rec.Base != "c0" {
		t.Errorf("record %+v", rec)
	}
	if other := MachineOf(results.Env{Host: "another name", CPUModel: "EPYC", Cores: 2, MemoryBytes: 24 << 30, ServerCPUs: "1", ClientCPUs: "0"}); other.Fingerprint != rec.Machine.Fingerprint {
		t.Errorf("a host's name changed the fingerprint")
	}
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := Append(path, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err != nil {
		t.Errorf("the record does not read back: %v", err)
	}
}
