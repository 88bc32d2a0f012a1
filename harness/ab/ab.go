// Package ab measures two builds of the servers against each other on one
// machine: it resolves each side to a loopbench binary (a path, or a git
// revision built in a temporary worktree), and after an interleaved run it
// splits the points by side into two runs that harness/compare compares.
// Comparing builds measured in the same minutes on the same CPUs is what
// survives a noisy host; comparing against a stored run mostly measures
// the host.
package ab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	"loopbench/harness/compare"
	"loopbench/harness/proc"
	"loopbench/harness/results"
)

// Build is one side resolved to a binary.
type Build struct {
	// Ref is what the user named: a path or a git revision.
	Ref string
	// Binary is the loopbench executable that serves the side.
	Binary string
	// Commit is the revision the binary was built from ("" for a path).
	Commit string
	// About describes the build for the run's notes.
	About string
}

// Resolver turns refs into binaries. Built revisions are kept in Cache by
// commit and reused, so repeated comparisons build each revision once.
type Resolver struct {
	// Repo is a directory inside the git repository revisions come from.
	Repo string
	// Cache is where built binaries are kept.
	Cache string
	// Log receives what the resolver does (builds take a while).
	Log io.Writer
}

// Resolve returns the binary of ref: ref itself when it is an executable
// file, else the git revision ref built with `go build ./cmd/loopbench` in a
// temporary worktree (removed afterwards). Uncommitted changes are not part
// of a revision: a ref of HEAD is the last commit.
func (r *Resolver) Resolve(ctx context.Context, ref string) (Build, error) {
	if ref == "" {
		return Build{}, errors.New("an empty ref: give a git revision (HEAD, main, a commit) or the path of a loopbench binary")
	}
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		if st.Mode()&0o111 == 0 {
			return Build{}, fmt.Errorf("%s is a file but not executable: give a loopbench binary or a git revision", ref)
		}
		abs, err := filepath.Abs(ref)
		if err != nil {
			return Build{}, err
		}
		sum, err := fileHash(abs)
		if err != nil {
			return Build{}, err
		}
		return Build{Ref: ref, Binary: abs, About: fmt.Sprintf("binary %s (sha256 %s)", abs, sum[:12])}, nil
	}
	commit, err := r.git(ctx, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	if err != nil {
		return Build{}, fmt.Errorf("%q is neither a loopbench binary nor a git revision of %s: %v", ref, r.Repo, err)
	}
	bin := filepath.Join(r.Cache, "loopbench-"+commit)
	b := Build{Ref: ref, Binary: bin, Commit: commit, About: fmt.Sprintf("revision %s (commit %s)", ref, commit[:12])}
	if st, err := os.Stat(bin); err == nil && st.Mode()&0o111 != 0 {
		fmt.Fprintf(r.Log, "ab: %s: reusing %s\n", ref, bin)
		return b, nil
	}
	return b, r.build(ctx, commit, bin)
}

// build builds commit into bin through a temporary worktree.
func (r *Resolver) build(ctx context.Context, commit, bin string) error {
	if err := os.MkdirAll(r.Cache, 0o755); err != nil {
		return fmt.Errorf("the build cache %s: %w", r.Cache, err)
	}
	tree, err := os.MkdirTemp("", "loopbench-ab-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tree)
	if _, err := r.git(ctx, "worktree", "add", "--detach", "--force", tree, commit); err != nil {
		return fmt.Errorf("checking out %s: %v", commit[:12], err)
	}
	defer r.git(context.Background(), "worktree", "remove", "--force", tree)
	fmt.Fprintf(r.Log, "ab: building commit %s\n", commit[:12])
	tmp := bin + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, "./cmd/loopbench")
	cmd.Dir = tree
	out := &proc.Tail{Max: 2000}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		msg := out.String()
		if out.Cut() {
			msg = "…" + msg
		}
		return fmt.Errorf("building commit %s: %v: %s", commit[:12], err, msg)
	}
	return os.Rename(tmp, bin)
}

func (r *Resolver) git(ctx context.Context, args ...string) (string, error) {
	return proc.Git(ctx, r.Repo, args...)
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Split returns the run's points of each side as a run of its own, with
// the same environment, so harness/compare compares them.
func Split(run *results.Run, base, head string) (*results.Run, *results.Run, error) {
	side := func(name string) *results.Run {
		r := *run
		r.Points = nil
		for _, p := range run.Points {
			if p.Side == name {
				r.Points = append(r.Points, p)
			}
		}
		return &r
	}
	b, h := side(base), side(head)
	if len(b.Points) == 0 || len(h.Points) == 0 {
		return nil, nil, fmt.Errorf("the run has %d %s and %d %s points; both sides need some", len(b.Points), base, len(h.Points), head)
	}
	return b, h, nil
}

// Calibration summarises a run of a build against itself: per metric, how
// much repetitions spread and the smallest worsening a comparison of that
// size would catch 9 times in 10, and how many rows it flagged although
// nothing changed.
type Calibration struct {
	Metrics []MetricCalibration
	// FalseAlarms counts regressions found between identical builds.
	FalseAlarms, Rows int
}

// MetricCalibration is one metric's noise and detection limit over the
// comparison's rows: their median and their worst.
type MetricCalibration struct {
	Metric                          string
	Rows                            int
	NoiseMedian, NoiseMax           float64
	DetectableMedian, DetectableMax float64
}

// Calibrate reads a comparison of a build against itself.
func Calibrate(res *compare.Result) Calibration {
	var c Calibration
	for _, m := range res.Options.Metrics {
		var noise, det []float64
		for _, row := range res.Rows {
			if row.Metric.Name != m.Name || row.TooFew {
				continue
			}
			noise = append(noise, row.Noise)
			det = append(det, row.Detectable)
		}
		if len(noise) == 0 {
			continue
		}
		c.Metrics = append(c.Metrics, MetricCalibration{Metric: m.Name + " " + m.Unit, Rows: len(noise),
			NoiseMedian: med(noise), NoiseMax: slices.Max(noise), DetectableMedian: med(det), DetectableMax: slices.Max(det)})
	}
	c.FalseAlarms, c.Rows = len(res.Regressions()), len(res.Rows)
	return c
}

func med(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Write prints the calibration as a table.
func (c Calibration) Write(w io.Writer) {
	fmt.Fprintln(w, "calibration: the head against itself")
	fmt.Fprintf(w, "  %-18s %5s  %-22s  %s\n", "metric", "rows", "noise median (max)", "detectable median (max)")
	for _, m := range c.Metrics {
		fmt.Fprintf(w, "  %-18s %5d  %-22s  %s\n", m.Metric, m.Rows,
			fmt.Sprintf("%s (%s)", pct(m.NoiseMedian), pct(m.NoiseMax)), fmt.Sprintf("%s (%s)", pct(m.DetectableMedian), pct(m.DetectableMax)))
	}
	fmt.Fprintf(w, "  false alarms: %d of %d rows flagged a regression between identical builds\n", c.FalseAlarms, c.Rows)
}

func pct(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 1):
		return ">100%"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}
