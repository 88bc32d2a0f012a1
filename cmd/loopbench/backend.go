package main

import (
	"fmt"
	"io"
	"path/filepath"

	"loopbench/app"
	"loopbench/backend"
)

func runBackend(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backend", "backend [--addr HOST:PORT] [--data DIR]\n\nRuns the upstream service that /upstream calls until SIGINT or SIGTERM: it reads\ndelay requests (\"5\\n\") and answers each (\"upstream 5 ms\\n\") once the delay has passed.\nWith --data it also serves /fifo: FIFOs in DIR/fifo whose writers it releases once\ntheir delay has passed (give the servers the same --data).", stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "TCP `address` to listen on (port 0 picks a free port)")
	data := fs.String("data", "", "the servers' data `directory`: serve /fifo's FIFOs in its fifo/ subdirectory (default: no /fifo)")
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
	fifos := "no /fifo (no --data)"
	if *data != "" {
		dir, err := filepath.Abs(*data)
		if err == nil {
			err = s.ServeFIFOs(dir, 0)
		}
		if err != nil {
			s.Close()
			return fmt.Errorf("--data %s: %w", *data, err)
		}
		fifos = fmt.Sprintf("%d FIFOs for /fifo in %s", app.FIFOSlots, app.FIFODir(dir))
	}
	fmt.Fprintf(stderr, "loopbench backend: listening on %s; %s\n", s.Addr(), fifos)
	ctx, stop := signalContext()
	defer stop()
	return s.Serve(ctx)
}
