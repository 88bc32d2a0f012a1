package analysis_test

import (
	"math"
	"strings"
	"testing"

	"loopbench/harness/analysis"
	"loopbench/harness/plot/plottest"
	"loopbench/harness/results"
)

// TestBytesPerConnSource computes c10k's memory per connection from the
// cgroup's charge where every point has one, with its parts, and from RSS,
// saying so, where the points have none.
func TestBytesPerConnSource(t *testing.T) {
	run := plottest.Run()
	threaded := func(run *results.Run) analysis.PerConn {
		for _, pc := range analysis.BytesPerConn(analysis.Analyze(run).Workloads, "c10k") {
			if pc.Model == "threaded" {
				return pc
			}
		}
		t.Fatal("no c10k threaded")
		return analysis.PerConn{}
	}
	pc := threaded(run)
	if pc.Source != analysis.SourceCgroup || !strings.HasPrefix(pc.Method(), "(cgroup memory at 10004 connections") {
		t.Errorf("with cgroup figures: source %s, method %q", pc.Source, pc.Method())
	}
	// The fixture's threads cost 25 KiB of user memory, 22 of the kernel's
	// and a quarter KiB of socket buffers per connection.
	for _, part := range []struct {
		name      string
		got, want float64
	}{{"user", pc.User, 25}, {"kernel", pc.Kernel, 22}, {"sock", pc.Sock, 0.25}, {"total", pc.Bytes, 47.25}} {
		if math.Abs(part.got/1024-part.want) > 0.5 {
			t.Errorf("%s: %.2f KiB per connection, want about %g", part.name, part.got/1024, part.want)
		}
	}
	if of := pc.Of(pc.Group.Points[0]); math.Abs(of-pc.Bytes)/pc.Bytes > 0.02 {
		t.Errorf("one repetition's figure %.0f is far from the median %.0f", of, pc.Bytes)
	}
	for i := range run.Points {
		run.Points[i].Server.Memory = nil
	}
	pc = threaded(run)
	if pc.Source != analysis.SourceRSS || pc.Kernel != 0 || !strings.Contains(pc.Method(), "RSS only: no cgroup figures") ||
		math.Abs(pc.Bytes/1024-25) > 0.5 {
		t.Errorf("without cgroup figures: source %s, %.2f KiB (kernel %g), method %q", pc.Source, pc.Bytes/1024, pc.Kernel, pc.Method())
	}
}
