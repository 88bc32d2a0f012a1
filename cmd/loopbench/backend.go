package main

import (
	"fmt"
	"io"

	"loopbench/backend"
)

func runBackend(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backend", "backend [--addr HOST:PORT]\n\nRuns the upstream service that /upstream calls until SIGINT or SIGTERM: it reads\ndelay requests (\"5\\n\") and answers each (\"upstream 5 ms\\n\") once the delay has passed.", stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "TCP `address` to listen on (port 0 picks a free port)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("backend: unexpected argument %q (use --addr HOST:PORT)", fs.Arg(0))
	}
	if err := checkAddr("addr", *addr); err != nil {
		return err
	}
	s, err := backend.Listen(*addr)
	if err != nil {
		return fmt.Errorf("backend: %w (choose another --addr)", err)
	}
	fmt.Fprintf(stderr, "loopbench backend: listening on %s\n", s.Addr())
	ctx, stop := signalContext()
	defer stop()
	return s.Serve(ctx)
}
