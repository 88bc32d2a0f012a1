#!/usr/bin/env bash
# install-slowhttptest.sh installs slowhttptest (Debian's package) when it is
# missing: `make torture` runs its slow-headers, slow-body, slow-read and
# range attacks against every model (harness/slowhttp). It needs apt-get and
# root, as the scripts that install wrk do.
set -euo pipefail

if command -v slowhttptest >/dev/null; then
	exit 0
fi
echo "installing slowhttptest" >&2
apt-get update -qq
apt-get install -y -qq slowhttptest >/dev/null
command -v slowhttptest >/dev/null
