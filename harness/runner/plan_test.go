package runner

import (
	"fmt"
	"slices"
	"testing"

	"loopbench/harness/workload"
)

// order is the plan's steps as "model rep level" strings.
func order(p Plan) []string {
	var o []string
	for _, s := range p.Steps {
		o = append(o, fmt.Sprintf("%s %d %s", s.Run.Model, s.Rep, s.Level))
	}
	return o
}

// TestPlanInterleavesInSeededBlocks wants every workload level measured in
// blocks of one repetition of every model, in an order that the seed alone
// decides.
func TestPlanInterleavesInSeededBlocks(t *testing.T) {
	w := testWorkload(t, "")
	w.Repetitions = 6
	cfg := Config{Workloads: []*workload.Workload{w}, Seed: 42}
	for _, m := range []string{"a", "b", "c", "d"} {
		cfg.Models = append(cfg.Models, Model{Name: m})
	}
	p := NewPlan(cfg)
	if p.Points != 24 || len(p.Steps) != 24 || p.Seed != 42 {
		t.Fatalf("plan: %d points, %d steps, seed %d; want 24, 24, 42", p.Points, len(p.Steps), p.Seed)
	}
	for b := 0; b < 6; b++ {
		var models []string
		for _, s := range p.Steps[4*b : 4*b+4] {
			if s.Rep != b {
				t.Errorf("block %d holds repetition %d of %s", b, s.Rep, s.Run.Model)
			}
			models = append(models, s.Run.Model)
		}
		slices.Sort(models)
		if !slices.Equal(models, []string{"a", "b", "c", "d"}) {
			t.Errorf("block %d holds %v, want each model once", b, models)
		}
	}
	if again := NewPlan(cfg); !slices.Equal(order(again), order(p)) {
		t.Errorf("the same seed gave another order:\n%v\n%v", order(again), order(p))
	}
	cfg.Seed = 43
	if other := NewPlan(cfg); slices.Equal(order(other), order(p)) {
		t.Errorf("seeds 42 and 43 gave the same order of 24 steps: %v", order(p))
	}
	ranked := slices.Clone(p.Steps)
	slices.SortFunc(ranked, func(a, b Step) int { return slices.Compare(a.rank[:], b.rank[:]) })
	for i, s := range ranked {
		if want := []string{"a", "b", "c", "d"}[i/6]; s.Run.Model != want || s.Rep != i%6 {
			t.Fatalf("ranked step %d is %s rep %d, want %s rep %d", i, s.Run.Model, s.Rep, want, i%6)
		}
	}
	first := p.Steps[0].Run.Model
	varied := false
	for b := 1; b < 6; b++ {
		varied = varied || p.Steps[4*b].Run.Model != first
	}
	if !varied {
		t.Errorf("every block starts with %s: the order within blocks is not drawn", first)
	}
}

// TestPlanSidesAlternate wants an A/B plan to measure both sides of a model
// back to back, base first in even repetitions and head first in odd ones,
// and to rank each side's points apart.
func TestPlanSidesAlternate(t *testing.T) {
	w := testWorkload(t, "")
	w.Repetitions = 4
	cfg := Config{Workloads: []*workload.Workload{w}, Seed: 7, Models: []Model{{Name: "a"}, {Name: "b"}},
		Sides: []Side{{Name: "base"}, {Name: "head", Flags: []string{"--inject-cpu", "3us"}}}}
	p := NewPlan(cfg)
	if p.Points != 16 {
		t.Fatalf("plan: %d points, want 2 models × 2 sides × 4 repetitions = 16", p.Points)
	}
	for i := 0; i < len(p.Steps); i += 2 {
		x, y := p.Steps[i], p.Steps[i+1]
		want := []string{"base", "head"}
		if x.Rep%2 == 1 {
			want = []string{"head", "base"}
		}
		if x.Run.Model != y.Run.Model || x.Rep != y.Rep || x.Side.Name != want[0] || y.Side.Name != want[1] {
			t.Errorf("steps %d and %d are %s %s rep %d and %s %s rep %d; want %s then %s of one model and repetition",
				i, i+1, x.Run.Model, x.Side.Name, x.Rep, y.Run.Model, y.Side.Name, y.Rep, want[0], want[1])
		}
	}
	ranks := map[[4]int]bool{}
	for _, s := range p.Steps {
		if ranks[s.rank] {
			t.Fatalf("two steps share the rank %v", s.rank)
		}
		ranks[s.rank] = true
	}
}

// TestPlanSkipsModelsLackingRoutes: a model that serves only some routes
// runs the workloads whose mix it serves and is skipped, with a note, in
// the others; a model with no Routes serves every one.
func TestPlanSkipsModelsLackingRoutes(t *testing.T) {
	plain := testWorkload(t, "")
	mixed := testWorkload(t, "")
	mixed.Name = "mixed"
	mixed.Mix = append(mixed.Mix, workload.Route{Target: "/cpu?iter=10", Weight: 1}, workload.Route{Target: "/json", Weight: 1})
	cfg := Config{Workloads: []*workload.Workload{plain, mixed}, Seed: 1,
		Models: []Model{{Name: "all-routes"}, {Name: "some-routes", Routes: []string{"/plaintext", "/sleep"}}}}
	p := NewPlan(cfg)
	ran := map[string][]string{}
	for _, s := range p.Steps {
		if !slices.Contains(ran[s.Workload.Name], s.Run.Model) {
			ran[s.Workload.Name] = append(ran[s.Workload.Name], s.Run.Model)
		}
	}
	slices.Sort(ran["w"])
	if !slices.Equal(ran["w"], []string{"all-routes", "some-routes"}) || !slices.Equal(ran["mixed"], []string{"all-routes"}) {
		t.Errorf("the plan runs %v; want both models in w and all-routes alone in mixed", ran)
	}
	want := "some-routes skipped in mixed: it serves /plaintext, /sleep, not /cpu, /json"
	if !slices.Equal(p.Skipped, []string{want}) {
		t.Errorf("skipped %q, want %q", p.Skipped, want)
	}
}

// TestPlanNarrowsVariants: a model narrowed to some variants runs those
// alone; the others run every variant the workload gives them.
func TestPlanNarrowsVariants(t *testing.T) {
	w := testWorkload(t, "")
	w.Variants = []workload.Variant{{Name: "fast", Flags: []string{"--fast"}}}
	cfg := Config{Workloads: []*workload.Workload{w}, Seed: 1,
		Models: []Model{{Name: "a", Variants: []string{"fast"}}, {Name: "b"}, {Name: "c", Variants: []string{workload.DefaultVariant}}}}
	var got []string
	for _, s := range NewPlan(cfg).Steps {
		if s.Rep == 0 && s.Level == w.Levels()[0] {
			got = append(got, s.Run.Model+"/"+s.Run.Variant.Name)
		}
	}
	slices.Sort(got)
	if want := []string{"a/fast", "b/default", "b/fast", "c/default"}; !slices.Equal(got, want) {
		t.Errorf("the plan's first block runs %v, want %v", got, want)
	}
}
