package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"loopbench/harness/remote"
)

const superviseUsage = `supervise [--port] [--cpus LIST] [--result FILE] [--cgroup=false] -- COMMAND [ARG]...

Runs COMMAND on this host for a remote ` + "`loopbench run`" + ` and makes sure it does not
outlive the transport that started it: it is stopped (SIGTERM, then SIGKILL
after --grace) as soon as stdin reaches its end, which is what a closed or
dropped ssh session looks like, or on SIGTERM or SIGHUP; if the supervisor
itself is killed, the kernel kills COMMAND too. COMMAND runs in a cgroup of
its own where the host allows one. Stdout carries one JSON line with its PID
(and port) once started, and one with its exit; COMMAND's output goes to stderr.`

func runSupervise(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("supervise", superviseUsage, stderr)
	var cfg remote.SuperviseConfig
	fs.BoolVar(&cfg.Port, "port", false, "replace {port} in COMMAND with a TCP port free on this host")
	fs.StringVar(&cfg.CPUs, "cpus", "", "pin COMMAND to this CPU `list` with taskset")
	fs.StringVar(&cfg.Result, "result", "", "a `file` COMMAND writes; its content goes into the exit line, then it is removed")
	fs.BoolVar(&cfg.Cgroup, "cgroup", true, "run COMMAND in a cgroup of its own")
	fs.DurationVar(&cfg.Grace, "grace", 5*time.Second, "time COMMAND has to stop after SIGTERM")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.Argv = fs.Args(); len(cfg.Argv) == 0 {
		return usagef("supervise: no command to run (put it after --)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return remote.Supervise(ctx, cfg, os.Stdin, stdout, stderr)
}
