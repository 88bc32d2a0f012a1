package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBisectUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "--good is required"},
		{[]string{"--good", "HEAD~1", "extra"}, "unexpected argument"},
		{[]string{"--good", "HEAD~1", "--metric", "speed"}, "--metric"},
		{[]string{"--good", "HEAD~1", "--reps", "5"}, "too few"},
		{[]string{"--good", "no-such-revision"}, `--good "no-such-revision" is not a commit`},
		{[]string{"--good", "HEAD", "--bad", "HEAD~1"}, "give the older, good revision as --good"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := exitCode(run(append([]string{"bisect"}, c.args...), &stdout, &stderr), &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("bisect %v: exit %d, %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

func TestPairRatios(t *testing.T) {
	one := `{"rows":[{"metric":"throughput","pair_ratios":[1]},{"metric":"cpu","level":"c=64","pair_ratios":[1.1,1.2]}]}`
	two := `{"rows":[{"metric":"cpu","pair_ratios":[1]},{"metric":"cpu","pair_ratios":[2]}]}`
	if r, err := pairRatios([]byte(one), "cpu"); err != nil || len(r) != 2 || r[1] != 1.2 {
		t.Errorf("one row: %v, %v", r, err)
	}
	if _, err := pairRatios([]byte(two), "cpu"); err == nil || !strings.Contains(err.Error(), "2 rows of cpu") {
		t.Errorf("two rows: %v", err)
	}
	if _, err := pairRatios([]byte("not json"), "cpu"); err == nil {
		t.Error("not JSON: no error")
	}
}

// TestBisectOwnHistory bisects this repository's own history with a real
// regression planted in it: a throwaway clone gets three commits on top
// of HEAD (a comment, then a loop in /plaintext's path costing several
// times the request, then another comment), and loopbench bisect, with
// real builds and real paired A/B runs, must name the loop's commit. It
// builds four revisions and measures three A/B runs of eventloop, a few
// minutes on a 2-core host, so it runs only with LOOPBENCH_SLOW=1 (make
// bisect-check).
func TestBisectOwnHistory(t *testing.T) {
	if os.Getenv("LOOPBENCH_SLOW") == "" {
		t.Skip("builds four revisions and measures; set LOOPBENCH_SLOW=1 (make bisect-check)")
	}
	bin := buildLoopbench(t)
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not in a git checkout")
	}
	clone := filepath.Join(t.TempDir(), "repo")
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", clone, "-c", "user.name=bisect test", "-c", "user.email=test@loopbench"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "clone", "-q", "--shared", strings.TrimSpace(string(root)), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	good := git("rev-parse", "HEAD")
	edit := func(file, old, new, msg string) string {
		t.Helper()
		path := filepath.Join(clone, file)
		b, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(b), old) {
			t.Fatalf("%s lacks %q: %v", file, old, err)
		}
		os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644)
		git("commit", "-q", "-am", msg)
		return git("rev-parse", "HEAD")
	}
	edit("app/route.go", "package app", "package app // a comment", "a comment")
	planted := edit("app/route.go", "\tcase \"/plaintext\":\n", "\tcase \"/plaintext\":\n\t\tspin(20000)\n", "a loop in /plaintext")
	bad := edit("app/route.go", "package app // a comment", "package app // another comment", "another comment")
	t.Cleanup(func() { // the builds ab cached of the temporary commits
		cache, err := os.UserCacheDir()
		if err != nil {
			return
		}
		for _, c := range strings.Fields(git("rev-list", good+".."+bad)) {
			os.Remove(filepath.Join(cache, "loopbench", "ab", "loopbench-"+c))
		}
	})
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "bisect", "--good", good, "--bad", bad, "--workloads", filepath.Join(clone, "workloads"),
		"--duration", "300ms", "--out", filepath.Join(t.TempDir(), "bisect"))
	cmd.Dir, cmd.Stdout, cmd.Stderr = clone, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bisect: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "the first bad commit is "+planted) {
		t.Errorf("bisect did not name %s:\n%s", planted, stdout.String())
	}
	t.Log(stdout.String())
}
