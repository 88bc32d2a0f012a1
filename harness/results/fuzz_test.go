package results

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzRead feeds run.json files to Read and what reads a run after it (the
// histograms, the groups and their statistics, the CSV): no input may crash
// them, and a run Read accepts is one they can all take.
func FuzzRead(f *testing.F) {
	h := NewHistogram()
	h.RecordValue(100)
	enc, err := EncodeHistogram(h)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"schema":0}`))
	f.Add([]byte(`{"schema":` + strconv.Itoa(SchemaVersion) + `,"points":[{"workload":"w","model":"m","level":1,"latency":{"hdr":"` + enc + `"},"routes":[{"route":"/x","latency":{"hdr":"HISTFAAAA"}}]}]}`))
	f.Add([]byte(`{"schema":` + strconv.Itoa(SchemaVersion) + `,"points":[{},{"duration_s":-1,"throughput":1e308}]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, RunFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		run, err := Read(dir)
		if err != nil {
			return
		}
		for _, p := range run.Points {
			if h, err := DecodeHistogram(p.Latency.Histogram); err == nil {
				Summarize(h)
			}
			for _, r := range p.Routes {
				DecodeHistogram(r.Latency.Histogram)
			}
		}
		Groups(run.Points)
		var sink discard
		WriteCSV(&sink, run.Points)
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
