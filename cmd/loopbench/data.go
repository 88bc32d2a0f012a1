package main

import (
	"fmt"
	"io"
	"path/filepath"

	"loopbench/app"
)

func runData(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data", "data --dir DIR\n\nWrites the deterministic files that /file serves and prints their paths and sizes.", stderr)
	dir := fs.String("dir", "", "`directory` to write the files into, created if missing (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("data: unexpected argument %q (use --dir DIR)", fs.Arg(0))
	}
	if *dir == "" {
		return usagef("data: --dir is required (e.g. --dir %s)", defaultDataDir())
	}
	if err := app.WriteDataFiles(*dir); err != nil {
		return fmt.Errorf("data: writing into --dir %s: %w (choose a writable directory)", *dir, err)
	}
	for _, f := range app.DataFiles {
		fmt.Fprintf(stdout, "%s\t%d bytes\n", filepath.Join(*dir, f.Name), f.Size)
	}
	return nil
}
