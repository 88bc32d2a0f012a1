#!/usr/bin/env bash
# tune-host.sh [--check] [--undo-file FILE] — raise the kernel settings that
# bound a benchmark's connections, on the host it runs on (run it on the
# server's host and on every load generator's before `loopbench run
# --server-host`).
#
# For each setting below whose value is lower than loopbench needs (or, for
# the port range and tcp_tw_reuse, different), it writes the new value and
# prints "name: old -> new"; settings already high enough are left alone.
# The commands that put every changed value back go to FILE (default
# ./tune-host-undo-<host>.sh), and the script says how to run it. --check
# changes nothing and prints what it would change. Nothing is made
# persistent: a reboot undoes it too.
#
# The per-process open-file limit belongs to the shell that starts loopbench,
# which a script cannot change; it prints the ulimit and limits.conf lines.
#
# Environment: SYSCTL_DIR (default /proc/sys) is where settings are read and
# written; the tests point it at a copy, never at the host's own settings.
set -euo pipefail

SYSCTL_DIR=${SYSCTL_DIR:-/proc/sys}
CHECK=
UNDO="./tune-host-undo-$(hostname).sh"
while [[ $# -gt 0 ]]; do
	case $1 in
	--check) CHECK=1 ;;
	--undo-file) UNDO=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "tune-host.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# name, wanted value, and how to compare: "min" raises a number that is
# lower, "exact" sets a value that differs.
SETTINGS=(
	"net.core.somaxconn 65535 min"
	"net.ipv4.tcp_max_syn_backlog 65535 min"
	"net.core.netdev_max_backlog 65536 min"
	"net.ipv4.ip_local_port_range 1024_65535 exact"
	"net.ipv4.tcp_tw_reuse 1 exact"
	"fs.file-max 2097152 min"
	"fs.nr_open 1048576 min"
)

if [[ -z $CHECK && $SYSCTL_DIR == /proc/sys && $(id -u) -ne 0 ]]; then
	echo "tune-host.sh: changing kernel settings needs root (or run with --check)" >&2
	exit 1
fi

changed=0
undo_lines=()
for s in "${SETTINGS[@]}"; do
	read -r name want how <<<"$s"
	want=${want//_/ }
	file="$SYSCTL_DIR/${name//.//}"
	if [[ ! -r $file ]]; then
		echo "$name: not on this kernel ($file), left alone"
		continue
	fi
	old=$(tr -s ' \t' '  ' <"$file")
	old=${old% }
	if [[ $how == min ]] && ((old >= want)); then
		echo "$name: $old, already at least $want"
		continue
	fi
	if [[ $how == exact && $old == "$want" ]]; then
		echo "$name: $old, as wanted"
		continue
	fi
	if [[ -n $CHECK ]]; then
		echo "$name: $old -> $want (not changed: --check)"
		continue
	fi
	printf '%s\n' "$want" >"$file"
	echo "$name: $old -> $want"
	undo_lines+=("printf '%s\\n' '$old' > '$file'")
	changed=$((changed + 1))
done

echo
echo "open files per process: $(ulimit -Sn) (hard $(ulimit -Hn)); loopbench raises its own soft limit to the hard one."
echo "  For c10k, raise the hard limit in the shell that runs loopbench: ulimit -Hn 1048576; ulimit -Sn 1048576"
echo "  or for every login: a line '* hard nofile 1048576' in /etc/security/limits.conf"

if [[ $changed -gt 0 ]]; then
	{
		echo "#!/bin/sh"
		echo "# Written by scripts/tune-host.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ): puts back the $changed settings it changed."
		printf '%s\n' "${undo_lines[@]}"
	} >"$UNDO"
	chmod +x "$UNDO"
	echo
	echo "changed $changed settings; to undo: sh $UNDO"
elif [[ -z $CHECK ]]; then
	echo
	echo "nothing to change"
fi
