package plot_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

// TestWriteAll draws every chart of three workloads of the fixture run
// (wait-sleep with a failed point, mixed with routes and loop lag, c10k with
// memory per connection; all of them with LOOPBENCH_PLOT_DIR set, which
// also keeps the charts there to look at) and checks that each file
// exists, decodes and shows something.
func TestWriteAll(t *testing.T) {
	dir := os.Getenv("LOOPBENCH_PLOT_DIR")
	run := plottest.Run()
	if dir == "" {
		dir = t.TempDir()
		var kept []results.Point
		for _, p := range run.Points {
			if p.Workload == "wait-sleep" || p.Workload == "mixed" || p.Workload == "c10k" || p.Workload == "accept-burst" {
				kept = append(kept, p)
			}
		}
		run.Points = kept
	}
	files, err := plot.WriteAll(dir, analysis.Analyze(run))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range files {
		kinds[f.Kind] = true
	}
	for _, k := range plot.Kinds {
		if !kinds[k] {
			t.Errorf("no %s chart among %d files", k, len(files))
		}
	}
	for _, f := range files {
		checkPNG(t, f.PNG)
		checkSVG(t, f.SVG)
	}
}

// checkPNG fails unless path is a PNG of the chart size with more than a
// few colours.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	if n := colours(img); n < 3 {
		t.Errorf("%s: %d colours, want a drawing", filepath.Base(path), n)
	}
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			a, b, c, d := img.At(x, y).RGBA()
			seen[[4]uint32{a, b, c, d}] = true
		}
	}
	return len(seen)
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("<svg")) || len(b) < 1000 {
		t.Errorf("%s: not an SVG drawing (%d bytes)", filepath.Base(path), len(b))
	}
}

// TestWriteAllFailed draws a run in which every point failed: the charts
// show the failures and nothing else.
func TestWriteAllFailed(t *testing.T) {
	run := plottest.Run()
	var kept []results.Point
	for _, p := range run.Points {
		if p.Workload == "pipelined" || p.Workload == "io-upstream" {
			kept = append(kept, results.Point{Workload: p.Workload, Model: p.Model, Variant: p.Variant, Mode: p.Mode,
				Connections: p.Connections, Rep: p.Rep, Failed: true, FailReason: "server exited"})
		}
	}
	run.Points = kept
	files, err := plot.WriteAll(t.TempDir(), analysis.Analyze(run))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no chart shows the failures")
	}
	for _, f := range files {
		checkPNG(t, f.PNG)
	}
}
