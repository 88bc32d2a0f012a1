package analysis_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReadersImportNoModel checks, from `go list -deps`, that the readers
// of a run (analysis, plot, report, compare) depend on no server package
// and no server library: they read the model table a run recorded, not the
// registry's.
func TestReadersImportNoModel(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH:", err)
	}
	readers := []string{"loopbench/harness/analysis", "loopbench/harness/plot", "loopbench/harness/report", "loopbench/harness/compare"}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, readers...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range []string{"loopbench/servers", "gnet", "evio", "fasthttp"} {
			if strings.Contains(dep, f) {
				t.Errorf("the readers of a run depend on %s (%q): take what they need of a model from results.Run.ModelTable", dep, f)
			}
		}
	}
}
