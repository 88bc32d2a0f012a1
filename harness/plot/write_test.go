package plot_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"loopbench/harness/plot"
	"loopbench/harness/plot/plottest"
)

// TestWriteAll draws every chart of the fixture run and checks that each
// file exists, decodes and shows something.
func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("LOOPBENCH_PLOT_DIR"); d != "" {
		dir = d
	}
	files, err := plot.WriteAll(dir, plottest.Run())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Errorf("WriteAll wrote %d charts, want at least 20", len(files))
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
