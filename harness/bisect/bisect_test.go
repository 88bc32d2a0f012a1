package bisect

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repo makes a throwaway git repository of n commits on its main line,
// with a side branch merged in after the third, and returns it and the
// main line's commits, oldest first.
func repo(t *testing.T, n int) (string, []string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git here")
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q")
	var line []string
	for i := range n {
		os.WriteFile(filepath.Join(dir, "f"), []byte(fmt.Sprint(i)), 0o644)
		run("add", "f")
		run("commit", "-q", "-m", fmt.Sprint("commit ", i))
		if i == 2 {
			run("checkout", "-q", "-b", "side")
			os.WriteFile(filepath.Join(dir, "g"), []byte("side"), 0o644)
			run("add", "g")
			run("commit", "-q", "-m", "on the side")
			run("checkout", "-q", "main")
			run("merge", "-q", "--no-ff", "-m", "merge side", "side")
			line = append(line, run("rev-parse", "HEAD~1"))
		}
		line = append(line, run("rev-parse", "HEAD"))
	}
	return dir, line
}

// planted is a fake measurer: a commit at or after bad's index costs
// effect more (log), each pair with seeded noise of the given spread.
type planted struct {
	order    map[string]int
	from     int     // the first commit of the regression
	effect   float64 // its log effect on the figure
	drift    float64 // a log change of every commit after the first, as a host's drift between builds
	noise    float64
	pairs    int
	measured int
}

func (p *planted) Measure(_ context.Context, base, head string) ([]float64, error) {
	p.measured++
	h := fnv.New64a()
	h.Write([]byte(base + head))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	cost := func(c string) float64 {
		d := 0.0
		if p.order[c] > 0 {
			d = p.drift
		}
		if p.order[c] >= p.from {
			return d + p.effect
		}
		return d
	}
	out := make([]float64, p.pairs)
	for i := range out {
		out[i] = math.Exp(cost(head) - cost(base) + p.noise*rng.NormFloat64())
	}
	return out, nil
}

func TestSearchFindsThePlantedCommit(t *testing.T) {
	dir, line := repo(t, 14)
	commits, err := Commits(context.Background(), dir, line[0], line[len(line)-1])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(commits, line) {
		t.Fatalf("Commits = %d commits, want the %d of the main line (the side branch's left out)", len(commits), len(line))
	}
	order := map[string]int{}
	for i, c := range commits {
		order[c] = i
	}
	cases := []struct {
		name    string
		m       planted
		o       Options
		verdict string
		first   int // index of the first bad commit; -1 for none
	}{
		{"a 5% rise of CPU at commit 9", planted{from: 9, effect: math.Log(1.05), noise: 0.01, pairs: 12}, Options{}, "found", 9},
		{"at the merge commit", planted{from: 4, effect: math.Log(1.05), noise: 0.01, pairs: 12}, Options{}, "found", 4},
		{"at the first commit after good", planted{from: 1, effect: math.Log(1.05), noise: 0.01, pairs: 12}, Options{}, "found", 1},
		{"at the bad commit itself", planted{from: 14, effect: math.Log(1.05), noise: 0.01, pairs: 12}, Options{}, "found", 14},
		{"a throughput drop", planted{from: 6, effect: math.Log(0.9), noise: 0.01, pairs: 12}, Options{HigherBetter: true}, "found", 6},
		// Every build after the good one a clear 0.5% slower (the test
		// tells it from no change): too small a share of the regression
		// to be a part of it, so the search still finds commit 6.
		{"a drift beside the drop", planted{from: 6, effect: math.Log(0.9), drift: math.Log(0.995), noise: 0.001, pairs: 12}, Options{HigherBetter: true}, "found", 6},
		{"nothing changed", planted{from: 99, effect: 0, noise: 0.01, pairs: 12}, Options{}, NoneToFind, -1},
		{"a gain is no regression", planted{from: 5, effect: math.Log(0.9), noise: 0.01, pairs: 12}, Options{}, NoneToFind, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.m.order = order
			res, err := Search(context.Background(), &c.m, commits, c.o)
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if c.first >= 0 {
				want = commits[c.first]
			}
			if res.Verdict != c.verdict || res.First != want {
				t.Errorf("verdict %q, first %.12s; want %q, %.12s\n%v", res.Verdict, res.First, c.verdict, want, res.Steps)
			}
			if c.first >= 0 && c.m.measured > 1+int(math.Ceil(math.Log2(float64(len(commits))))) {
				t.Errorf("%d measurements for %d commits: not a binary search", c.m.measured, len(commits))
			}
		})
	}
}

// scripted is a fake measurer that answers each head with given ratios.
type scripted map[string][]float64

func (s scripted) Measure(_ context.Context, _, head string) ([]float64, error) {
	r, ok := s[head]
	if !ok {
		return nil, fmt.Errorf("no figures for %s", head)
	}
	return r, nil
}

// TestSearchCannotTell checks that a step whose pairs can tell neither no
// change nor the whole regression apart stops the search with the range
// left, rather than guess.
func TestSearchCannotTell(t *testing.T) {
	commits := []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"}
	clear := []float64{1.08, 1.082, 1.079, 1.081, 1.078, 1.083, 1.08, 1.079}
	m := scripted{
		"c8": clear,
		// c4: spread from -12% to +20%, centered near +4%: neither 1 nor 1.08 is ruled out.
		"c4": {0.88, 1.2, 0.95, 1.15, 1.0, 1.1, 0.98, 1.12},
	}
	var log strings.Builder
	res, err := Search(context.Background(), m, commits, Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != CannotTell || res.First != "" || res.Lo != "c0" || res.Hi != "c8" || len(res.Steps) != 2 {
		t.Errorf("result %+v, want cannot tell between c0 and c8 after 2 steps", res)
	}
	if st := res.Steps[1]; st.Verdict != CannotTell || st.Confidence != 0 || !strings.Contains(log.String(), "c4 against c0") {
		t.Errorf("step %+v\n%s", st, log.String())
	}
	// With c4 clearly good and c6 clearly bad, the same search goes on.
	m["c4"] = []float64{1.001, 0.999, 1.002, 0.998, 1.0, 1.003, 0.997, 1.001}
	m["c6"], m["c5"] = clear, clear
	if res, err := Search(context.Background(), m, commits, Options{}); err != nil || res.First != "c5" || res.Verdict != "found" {
		t.Errorf("found %q (%s), %v; want c5", res.First, res.Verdict, err)
	}
	if _, err := Search(context.Background(), scripted{"c8": clear[:5]}, commits, Options{}); err == nil || !strings.Contains(err.Error(), "5 pairs") {
		t.Errorf("too few pairs at the first step: %v", err)
	}
	m["c4"] = clear[:3]
	if res, err := Search(context.Background(), m, commits, Options{}); err != nil || res.Verdict != CannotTell || !strings.Contains(res.Steps[1].Note, "3 pairs") {
		t.Errorf("too few pairs at a midpoint: %+v, %v; want cannot tell", res, err)
	}
}

func TestCommitsErrors(t *testing.T) {
	dir, line := repo(t, 5)
	side, _ := exec.Command("git", "-C", dir, "rev-parse", "side").Output()
	cases := []struct {
		name, good, bad, want string
	}{
		{"reversed", line[4], line[0], "give the older, good revision as --good"},
		{"the same", line[2], line[2], "no commit after"},
		{"off the first-parent line", strings.TrimSpace(string(side)), line[4], "not on the first-parent line"},
		{"unknown", "no-such-ref", line[4], `--good "no-such-ref" is not a commit`},
	}
	for _, c := range cases {
		if _, err := Commits(context.Background(), dir, c.good, c.bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}
