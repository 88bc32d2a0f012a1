package httpcheck

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"loopbench/harness/results"
)

// Entry is one request of the corpus: raw bytes sent as they are, on a
// connection of their own.
type Entry struct {
	// Name is unique in the corpus; it says what is odd about the request.
	Name string
	// Kind is the one property the request tests (a Kind* constant): the
	// justifications of known.go are given per kind.
	Kind string
	Raw  []byte
}

// The corpus files, written by `go run ./harness/httpcheck/gen` and
// committed: the seed corpus (the hand-written requests, which `make test`
// sends to every model) and the full corpus (the seed corpus and the
// generated requests, which `loopbench torture` sends).
const (
	SeedFile   = "testdata/seed.txt"
	CorpusFile = "testdata/corpus.txt"
)

var (
	//go:embed testdata/seed.txt
	seedText []byte
	//go:embed testdata/corpus.txt
	corpusText []byte
)

// Seed returns the seed corpus.
func Seed() ([]Entry, error) { return ReadCorpus(bytes.NewReader(seedText), SeedFile) }

// Corpus returns the full corpus.
func Corpus() ([]Entry, error) { return ReadCorpus(bytes.NewReader(corpusText), CorpusFile) }

// WriteCorpus writes entries in the corpus format: a comment line per
// line of header, then one entry a line, its kind, name and bytes (as a
// Go string literal) separated by tabs, so the file diffs line by line
// and holds any byte.
func WriteCorpus(w io.Writer, header string, entries []Entry) error {
	bw := bufio.NewWriter(w)
	for line := range strings.Lines(header) {
		fmt.Fprintf(bw, "# %s", line)
	}
	fmt.Fprintln(bw)
	for _, e := range entries {
		if strings.ContainsAny(e.Name, "\t\n") || strings.ContainsAny(e.Kind, "\t\n") {
			return fmt.Errorf("corpus entry %q: a name or kind may hold no tab or newline", e.Name)
		}
		fmt.Fprintf(bw, "%s\t%s\t%s\n", e.Kind, e.Name, strconv.Quote(string(e.Raw)))
	}
	return bw.Flush()
}

// ReadCorpus reads entries written by WriteCorpus; file names the source
// in errors. Blank lines and lines starting with '#' are skipped.
func ReadCorpus(r io.Reader, file string) ([]Entry, error) {
	var out []Entry
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, n, err)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("%s:%d: entry %q appears twice: give each entry its own name", file, n, e.Name)
		}
		seen[e.Name] = true
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return out, nil
}

func parseEntry(line string) (Entry, error) {
	f := strings.SplitN(line, "\t", 3)
	if len(f) != 3 || f[0] == "" || f[1] == "" {
		return Entry{}, fmt.Errorf("want KIND<tab>NAME<tab>\"bytes\", got %.60q", line)
	}
	raw, err := strconv.Unquote(f[2])
	if err != nil {
		return Entry{}, fmt.Errorf("entry %q: its bytes are not a Go string literal (%v)", f[1], err)
	}
	if raw == "" {
		return Entry{}, fmt.Errorf("entry %q: no bytes to send", f[1])
	}
	return Entry{Kind: f[0], Name: f[1], Raw: []byte(raw)}, nil
}

// WriteFiles writes the seed corpus and the full corpus (n generated
// requests from seed beside it) into dir as seed.txt and corpus.txt.
func WriteFiles(dir string, seed uint64, n int, progress io.Writer) error {
	all := Generate(seed, n)
	seedN := len(seedEntries())
	header := func(what string) string {
		return fmt.Sprintf("The %s of harness/httpcheck: KIND<tab>NAME<tab>the request's bytes as a Go string literal.\n"+
			"Written by `go run ./harness/httpcheck/gen -seed %d -n %d`; do not edit by hand.\n", what, seed, n)
	}
	for _, f := range []struct {
		name, what string
		entries    []Entry
	}{{"seed.txt", "seed corpus", all[:seedN]}, {"corpus.txt", "full corpus", all}} {
		var b bytes.Buffer
		if err := WriteCorpus(&b, header(f.what), f.entries); err != nil {
			return err
		}
		path := filepath.Join(dir, f.name)
		if err := results.WriteFileAtomic(path, b.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(progress, "gen: %s: %d requests\n", path, len(f.entries))
	}
	return nil
}
