// Command gen writes the corpus of harness/httpcheck: the seed corpus
// (testdata/seed.txt, the hand-written requests) and the full corpus
// (testdata/corpus.txt, those and the generated ones), the same bytes for
// the same flags. Run it from the repository's root after changing the
// generator, and commit both files:
//
//	go run ./harness/httpcheck/gen [-seed 28] [-n 800] [-dir harness/httpcheck/testdata]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"loopbench/harness/httpcheck"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Uint64("seed", httpcheck.DefaultSeed, "the generator's `seed`")
	n := fs.Int("n", httpcheck.DefaultGenerated, "how many requests to generate beside the hand-written ones")
	dir := fs.String("dir", "harness/httpcheck/testdata", "the `directory` to write seed.txt and corpus.txt in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 0 {
		return fmt.Errorf("-n %d: give a count of 0 or more", *n)
	}
	return httpcheck.WriteFiles(*dir, *seed, *n, stderr)
}
