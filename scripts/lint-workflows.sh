#!/usr/bin/env bash
# Checks the GitHub workflows with actionlint (pinned, through go run),
# which also runs shellcheck over their scripts when shellcheck is
# installed. shellcheck comes from Debian: installed here when it is
# missing and this runs as root with apt-get; elsewhere the check runs
# without it and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
ACTIONLINT=github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

if ! command -v shellcheck >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "lint-workflows: installing shellcheck (apt-get)" >&2
		apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null
	else
		echo "lint-workflows: shellcheck is not installed, so the workflows' scripts go unchecked by it (apt-get install shellcheck)" >&2
	fi
fi
"$GO" run "$ACTIONLINT" .github/workflows/*.yml
