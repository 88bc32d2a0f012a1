package history

import (
	"fmt"
	"io"
	"strings"

	"loopbench/harness/changepoint"
)

// Method names the change point method and its settings, for reports.
func Method(o changepoint.Options) string {
	o = o.WithDefaults()
	return fmt.Sprintf("E-divisive means (Matteson and James 2014), each split tested by %d seeded permutations at α=%g (seed %d), segments of %d records at least, within each machine",
		o.Permutations, o.Alpha, o.Seed, o.MinSize)
}

// WriteReport writes what a history holds and every change point found,
// with the commit range it came in and the paired ratios measured in that
// range, as text or markdown (for a CI job summary).
func WriteReport(w io.Writer, name string, recs []Record, series []Series, findings []Finding, o changepoint.Options, markdown bool) error {
	fmt.Fprintf(w, "%s: %s\n", name, overview(recs, series))
	if markdown {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "change points by %s: %d\n", Method(o), len(findings))
	if len(findings) == 0 {
		return nil
	}
	if markdown {
		fmt.Fprintln(w, "\n| series | machine | before | after | change | p | after commit | up to commit | commits | paired ratios in the range |")
		fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|---|---|--:|---|")
	}
	for _, f := range findings {
		commits := Commits(recs, f.Last.Record, f.First.Record)
		if markdown {
			fmt.Fprintf(w, "| %s (%s) | %s | %.4g | %.4g | %+.1f%% | %.3f | %s | %s | %d | %s |\n", f.Key.Name(), f.Key.Unit, f.Machine,
				f.Before, f.After, 100*f.Change(), f.P, short(f.Last.Commit), short(f.First.Commit), len(commits), pairedText(f.Paired))
			continue
		}
		fmt.Fprintf(w, "  %s (%s) on machine %s: %.4g -> %.4g (%+.1f%%, p %.3f), after %s, up to %s (%d commits: %s)\n",
			f.Key.Name(), f.Key.Unit, f.Machine, f.Before, f.After, 100*f.Change(), f.P, short(f.Last.Commit), short(f.First.Commit),
			len(commits), shorts(commits))
		if len(f.Paired) > 0 {
			fmt.Fprintf(w, "      paired against the parent: %s\n", pairedText(f.Paired))
		}
	}
	return nil
}

// overview says how many records, commits, machines and series a history
// holds, and over what span.
func overview(recs []Record, series []Series) string {
	if len(recs) == 0 {
		return "no records"
	}
	commits, machines := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		commits[r.Commit], machines[r.Machine.Fingerprint] = true, true
	}
	first, last := recs[0], recs[len(recs)-1]
	return fmt.Sprintf("%d records of %d commits, from %s (%s) to %s (%s), on %d machines; %d series",
		len(recs), len(commits), short(first.Commit), first.Time.Format("2006-01-02"), short(last.Commit), last.Time.Format("2006-01-02"),
		len(machines), len(series))
}

// pairedText lists the paired ratios of points: "4c5d6e7f ×1.049 [1.041,
// 1.057] p 0.002".
func pairedText(pts []Point) string {
	if len(pts) == 0 {
		return "-"
	}
	var parts []string
	for _, p := range pts {
		s := fmt.Sprintf("%s ×%.3f", short(p.Commit), p.Ratio.Median)
		if p.Ratio.Lo != nil && p.Ratio.Hi != nil {
			s += fmt.Sprintf(" [%.3f, %.3f]", *p.Ratio.Lo, *p.Ratio.Hi)
		}
		if p.P != nil {
			s += fmt.Sprintf(" p %.3f", *p.P)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func shorts(commits []string) string {
	s := make([]string, len(commits))
	for i, c := range commits {
		s[i] = short(c)
	}
	return strings.Join(s, " ")
}
