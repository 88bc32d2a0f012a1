package httpcheck

import (
	"context"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/backend"
	"loopbench/servers"
	"loopbench/servers/model"
)

// serveModel serves the model named name in this process until the test
// ends, with a data directory and the real backend, and returns its
// address. It skips the test where the model cannot run.
func serveModel(t *testing.T, name string) string {
	t.Helper()
	e, err := servers.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Available(); err != nil {
		t.Skipf("%s cannot run here: %v", name, err)
	}
	dir := dataDir(t)
	be, err := backend.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	beDone := make(chan error, 1)
	go func() { beDone <- be.Serve(ctx) }()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- e.New().Serve(ctx, model.Config{Addr: addr, DataDir: dir, Backend: be.Addr()}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; !errors.Is(err, model.ErrServerClosed) {
			t.Errorf("%s: Serve returned %v", name, err)
		}
		<-beDone
	})
	if err := waitListening(addr, served, 20*time.Second); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return addr
}

func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// seedRefs are the references' outcomes on the seed corpus, measured once
// for every model's test.
var seedRefs = sync.OnceValues(func() (*Refs, error) {
	entries, err := Seed()
	if err != nil {
		return nil, err
	}
	dir, err := tempDataDir()
	if err != nil {
		return nil, err
	}
	return MeasureRefs(context.Background(), entries, dir, DiffOptions{})
})

// TestModels runs the seed corpus against every model and compares it with
// the references, then a short fragmentation pass: every disagreement with
// net/http must be justified (known.go), every fragmented delivery
// answered byte for byte as the whole one.
func TestModels(t *testing.T) {
	refs, err := seedRefs()
	if err != nil {
		t.Fatal(err)
	}
	if refs.Node == nil {
		t.Log(refs.NodeNote)
	}
	for _, e := range servers.All() {
		t.Run(e.Name, func(t *testing.T) {
			addr := serveModel(t, e.Name)
			res := Compare(context.Background(), e.Name, addr, refs, DiffOptions{Serves: e.Serves})
			t.Log(res.Summary())
			for _, v := range res.Unjustified {
				t.Errorf("%s [%s]: %s answered %s (status %d), net/http %s (status %d)%s", v.Entry, v.Kind, e.Name, v.Got, v.Got.Status, v.Ref, v.Ref.Status, nodeSays(v))
			}
			for _, err := range res.Errors {
				t.Errorf("not measured: %s", err)
			}
			fr := Fragment(context.Background(), addr, FragmentOptions{Seed: 1, Short: true})
			for _, f := range fr.Failures {
				t.Errorf("fragmented: %s", f)
			}
			t.Logf("%d fragmented deliveries", fr.Cases)
		})
	}
}

func nodeSays(v Verdict) string {
	if v.Node == nil {
		return ""
	}
	return ", node " + v.Node.String()
}

// TestCorpusCommitted checks that the committed corpus files are what the
// generator writes, so a change of the generator is committed with its
// output.
func TestCorpusCommitted(t *testing.T) {
	all := Generate(DefaultSeed, DefaultGenerated)
	for _, f := range []struct {
		name string
		read func() ([]Entry, error)
		want []Entry
	}{{SeedFile, Seed, all[:len(seedEntries())]}, {CorpusFile, Corpus, all}} {
		got, err := f.read()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(f.want) {
			t.Fatalf("%s has %d requests, the generator %d: run go run ./harness/httpcheck/gen", f.name, len(got), len(f.want))
		}
		for i := range got {
			if got[i].Name != f.want[i].Name || string(got[i].Raw) != string(f.want[i].Raw) || got[i].Kind != f.want[i].Kind {
				t.Fatalf("%s entry %d is %q, the generator's %q: run go run ./harness/httpcheck/gen", f.name, i, got[i].Name, f.want[i].Name)
			}
		}
	}
}

// TestKindsKnown checks that every entry's kind is one of Kinds, and every
// justification names a kind and a section.
func TestKindsKnown(t *testing.T) {
	entries, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(Kinds, e.Kind) {
			t.Errorf("entry %q has kind %q, not one of Kinds", e.Name, e.Kind)
		}
	}
	for _, k := range known {
		if !slices.Contains(Kinds, k.Kind) || !strings.Contains(k.Section, "§") || k.Why == "" {
			t.Errorf("justification %+v needs a kind of Kinds, an RFC section and a why", k)
		}
	}
}

// refsDir is the data directory of the references, removed by TestMain.
var refsDir string

func tempDataDir() (string, error) {
	dir, err := os.MkdirTemp("", "httpcheck-data-")
	if err != nil {
		return "", err
	}
	refsDir = dir
	return dir, app.WriteDataFiles(dir)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if refsDir != "" {
		os.RemoveAll(refsDir)
	}
	os.Exit(code)
}

// full runs the full corpus in TestFullCorpus, which `loopbench torture`
// otherwise runs: go test ./harness/httpcheck -run TestFullCorpus -httpcheck.full.
var full = flag.Bool("httpcheck.full", false, "run TestFullCorpus: the full corpus against every model")

// TestFullCorpus is TestModels' differential with the full corpus.
func TestFullCorpus(t *testing.T) {
	if !*full {
		t.Skip("the full corpus runs in loopbench torture, or here with -httpcheck.full")
	}
	entries, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	refs, err := MeasureRefs(context.Background(), entries, dataDir(t), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range servers.All() {
		t.Run(e.Name, func(t *testing.T) {
			res := Compare(context.Background(), e.Name, serveModel(t, e.Name), refs, DiffOptions{})
			t.Log(res.Summary())
			for _, v := range res.Unjustified {
				t.Errorf("%s [%s]: %s answered %s (status %d), net/http %s (status %d)%s", v.Entry, v.Kind, e.Name, v.Got, v.Got.Status, v.Ref, v.Ref.Status, nodeSays(v))
			}
		})
	}
}

// TestLibraryDifferencesListed checks that every known difference of a
// library's parser is also in its model's Entry.Differences, which
// `loopbench models` prints.
func TestLibraryDifferencesListed(t *testing.T) {
	for _, k := range libraryDifferences {
		for _, m := range k.Models {
			e, err := servers.Lookup(m)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(e.Differences, func(d string) bool { return strings.Contains(d, k.Why) }) {
				t.Errorf("%s's Differences lack %q", m, k.Why)
			}
		}
	}
}
