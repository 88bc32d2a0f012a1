package runner

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"loopbench/harness/results"
)

// Blocks measured in place of incomplete ones.
//
// Readings pair the repetitions of two series block by block (harness/pairs),
// so one partial or failed point costs its whole block a pair: five usable
// pairs of six give a median without a 95% interval. When a level's blocks
// are done and fewer of them are complete than were planned, the runner
// measures another whole block of that level at once (every model and
// variant, a fresh order, the next repetition number), up to Config.Replace
// times. The incomplete block stays in the results, marked, and a note says
// which block was replaced and why, so nothing is hidden.
//
// A series unusable in more than half of its points cannot hold the level:
// that is a finding, not bad luck, so it neither makes a block incomplete
// nor earns a replacement.

// replacement says whether the level whose points are ps (with planned
// repetitions and extra blocks measured so far) needs another block, and why.
func replacement(ps []*results.Point, planned, extra, limit int) (need bool, why string) {
	if limit <= extra {
		return false, ""
	}
	bySeries := map[string][]*results.Point{}
	for _, p := range ps {
		k := p.Key().Series()
		if p.Side != "" {
			k += " " + p.Side
		}
		bySeries[k] = append(bySeries[k], p)
	}
	incomplete := map[int][]string{} // repetition: the series unusable in it
	for k, sp := range bySeries {
		bad := 0
		for _, p := range sp {
			if !p.Usable() {
				bad++
			}
		}
		if 2*bad > len(sp) {
			continue // cannot hold the level
		}
		for _, p := range sp {
			if !p.Usable() {
				incomplete[p.Rep] = append(incomplete[p.Rep], k)
			}
		}
	}
	reps := map[int]bool{}
	for _, p := range ps {
		reps[p.Rep] = true
	}
	if len(reps)-len(incomplete) >= planned || len(incomplete) == 0 {
		return false, ""
	}
	var parts []string
	for _, rep := range slices.Sorted(maps.Keys(incomplete)) {
		slices.Sort(incomplete[rep])
		parts = append(parts, fmt.Sprintf("block %d (%s)", rep+1, strings.Join(incomplete[rep], ", ")))
	}
	return true, strings.Join(parts, ", ")
}

// sameLevel reports whether two steps measure the same workload and level.
func sameLevel(a, b Step) bool { return a.rank[0] == b.rank[0] && a.rank[2] == b.rank[2] }

// replace returns the block to measure after s, the last step of its level,
// in place of an incomplete one, or nil.
func (r *Runner) replace(s Step) []Step {
	if r.cfg.Replace <= 0 {
		return nil
	}
	var ps []*results.Point
	next := 0 // the next repetition's number
	for i := range r.run.Points {
		if rk := r.ranks[i]; rk[0] == s.rank[0] && rk[2] == s.rank[2] {
			ps = append(ps, &r.run.Points[i])
			next = max(next, rk[3]+1)
		}
	}
	planned := s.Workload.RepetitionsAt(s.Level)
	extra := max(0, next-planned)
	need, why := replacement(ps, planned, extra, r.cfg.Replace)
	if !need {
		return nil
	}
	lv := r.plan.levels[[2]int{s.rank[0], s.rank[2]}]
	rep := planned + extra
	rng := rand.New(rand.NewPCG(r.plan.Seed, uint64(s.rank[0])<<40|uint64(s.rank[2])<<20|uint64(rep)))
	r.note(fmt.Sprintf("%s %s: %s had a partial or failed point, so fewer than %d blocks are complete; measuring block %d (%d of at most %d extra)",
		s.Workload.Name, s.Level, why, planned, rep+1, extra+1, r.cfg.Replace))
	return lv.block(rep, rng)
}
