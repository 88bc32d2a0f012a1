#!/usr/bin/env bash
# Installs perf (Debian's linux-perf), which `loopbench syscalls` uses to
# count a server's system calls with the kernel's tracepoints. Does nothing
# when perf already runs.
set -euo pipefail
if perf --version >/dev/null 2>&1; then
	exit 0
fi
echo "installing perf (linux-perf)" >&2
apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null
perf --version >&2
