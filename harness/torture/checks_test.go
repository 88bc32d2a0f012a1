package torture

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"loopbench/harness/slowhttp"
)

// TestSlowHTTPInProcess runs slowhttptest's slow-headers attack at 0.3 of
// its scale against the homemade loop served in this process: every
// connection is closed by the head timeout, the probe is served, and the
// timeline reaches the report and its chart.
func TestSlowHTTPInProcess(t *testing.T) {
	if _, err := exec.LookPath("slowhttptest"); err != nil {
		t.Skip(slowhttp.ErrNotInstalled)
	}
	head := 500 * time.Millisecond
	addr, srv := serveInProcess(t, head)
	ctx := context.Background()
	sc, err := Lookup("slowhttptest-slow-headers")
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Model: "eventloop", Addr: addr, HeadTimeout: head, Scale: 0.3, server: srv}
	if err := sc.Run(ctx, env); err != nil {
		t.Error(err)
	}
	t.Log(env.notes)
	if len(env.timeline) == 0 {
		t.Fatal("no timeline")
	}
	rep := &Report{Schema: Schema, HeadTimeout: head.String(), Results: []Result{{Model: "eventloop", Scenario: sc.Name, Survived: true, Timeline: env.timeline}}}
	dir := t.TempDir()
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, SlowChartName+".png")); err != nil || fi.Size() == 0 {
		t.Errorf("chart: %v", err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "torture.md"))
	if !strings.Contains(string(md), "| slowhttptest-slow-headers | pass |") {
		t.Errorf("torture.md has no matrix row for the attack:\n%s", md)
	}
}
