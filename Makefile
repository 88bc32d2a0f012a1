# loopbench: build, test and measure. `make help` lists the targets.

GO          ?= go
BIN         := bin/loopbench
# The pthread model's C server, built beside loopbench with the machine's
# C compiler ($(CC), cc by default); servers/pthread's CFlags are the same.
PTHREAD_BIN    := bin/loopbench-pthread
PTHREAD_SRC    := servers/pthread/csrc/body.c servers/pthread/csrc/conn.c servers/pthread/csrc/header.c servers/pthread/csrc/http.c servers/pthread/csrc/request.c servers/pthread/csrc/server.c
PTHREAD_CFLAGS := -std=c11 -O2 -Wall -Wextra -pthread
FUZZTIME    ?= 30s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Packages whose tests run without the race detector, where it would cost
# `make test` its time budget on a 2-core machine and see little: the runner
# and the command drive real servers and the binary as child processes (the
# race detector sees none of those), and analysis, plot and report start no
# goroutine (their charts render 5 to 10 times slower under it). Every
# other package runs with -race.
NORACE_PKGS := loopbench/harness/runner loopbench/cmd/loopbench loopbench/harness/analysis loopbench/harness/plot loopbench/harness/report

PKGS      = $(shell $(GO) list ./...)
RACE_PKGS = $(filter-out $(NORACE_PKGS),$(PKGS))
# Directories holding fuzz targets, found by their declarations.
FUZZ_DIRS = $(sort $(dir $(shell grep -rl --include='*_test.go' '^func Fuzz' .)))

.DEFAULT_GOAL := build

.PHONY: help build test test-race test-norace bench bench-quick bench-go fuzz lint clean compare compare-stored baseline ab torture bisect-check syscalls

# What `make baseline` measures (and `make compare-stored` again): short,
# with enough repetitions for the U test and for intervals.
BASELINE_RUN  := --workload plaintext --quick --reps 6
# The commit results/baseline was measured at (its run.json's env.commit,
# without a "-dirty" mark): `make compare` builds it and measures it against
# the working tree, pair by pair.
BASELINE_COMMIT = $(shell grep -o '"commit": *"[^"]*"' results/baseline/run.json 2>/dev/null | head -1 | cut -d'"' -f4 | sed 's/-dirty$$//')
# What `make compare` measures: ab's defaults (repetitions, threshold).
COMPARE_RUN   ?= --workload plaintext
# Extra flags for `loopbench compare` in `make compare-stored`, e.g.
# COMPARE_FLAGS=--allow-env-change on a machine other than the baseline's.
COMPARE_FLAGS ?=
# `make ab BASE=main` measures this checkout's last commit against BASE.
BASE ?= HEAD~1

help:
	@echo 'make build        build $(BIN), and $(PTHREAD_BIN) where there is a C compiler'
	@echo 'make test         vet, then every test (with -race where affordable); fuzz seeds included'
	@echo 'make bench        run every workload on every model, then plots and REPORT.md'
	@echo 'make bench-quick  the same with shorter runs (run --quick)'
	@echo 'make compare      build the baseline'"'"'s commit and measure it against the working tree, pair by pair (exit 1 on a regression)'
	@echo 'make compare-stored  measure the baseline workload and compare with the stored results/baseline (compares days: warns)'
	@echo 'make baseline     measure it and store the run as results/baseline'
	@echo 'make bisect-check bisect a regression planted in a throwaway clone of this repository (real builds, a few minutes)'
	@echo 'make ab BASE=REF  measure REF against HEAD, interleaved on this machine (loopbench ab)'
	@echo 'make bench-go     the Go benchmarks of the application and the models, with -benchmem'
	@echo 'make fuzz         each fuzz target for FUZZTIME (default $(FUZZTIME))'
	@echo 'make torture      every hostile-client scenario, slowhttptest attack and HTTP check against every model (loopbench torture); fails if threaded or eventloop does'
	@echo 'make syscalls     system calls per request of each model and backend (loopbench syscalls, perf) into results/syscalls.json'
	@echo 'make lint         go vet, staticcheck and actionlint'
	@echo 'make clean        remove build outputs'

build:
	$(GO) build -o $(BIN) ./cmd/loopbench
	@if command -v $(firstword $(CC)) >/dev/null 2>&1; then \
		echo '$(CC) $(PTHREAD_CFLAGS) -o $(PTHREAD_BIN) $(PTHREAD_SRC)'; \
		$(CC) $(PTHREAD_CFLAGS) -o $(PTHREAD_BIN) $(PTHREAD_SRC); \
	else \
		echo 'no C compiler ($(CC)): $(PTHREAD_BIN) not built, so the pthread model is skipped (install gcc and run make build)'; \
	fi

# The tests share one build of the binary and of the pthread model's C
# server (LOOPBENCH_TEST_BIN, LOOPBENCH_PTHREAD_BIN); the conformance suite
# runs each row once: our own code served in the test process (every
# model's default, the homemade loop's variants) under -race, the models
# served by another program (node, the C server) and the libraries'
# variants in the pass without it. The two passes run side by side, each
# three packages at a time: most tests wait on timers and sockets, so on
# two cores this is what keeps make test within its four minutes.
TEST_ENV = LOOPBENCH_TEST_BIN=$(abspath $(BIN)) LOOPBENCH_PTHREAD_BIN=$$([ -x $(PTHREAD_BIN) ] && echo $(abspath $(PTHREAD_BIN)))

test: build
	$(GO) vet ./...
	@$(MAKE) --no-print-directory -j2 test-race test-norace

test-race:
	$(TEST_ENV) LOOPBENCH_CONFORMANCE_ROWS=in-process $(GO) test -race -p 3 -timeout 10m $(RACE_PKGS)

test-norace:
	$(TEST_ENV) LOOPBENCH_CONFORMANCE_ROWS=external $(GO) test -p 3 -timeout 10m $(filter $(NORACE_PKGS),$(PKGS)) loopbench/servers

bench: build
	./$(BIN) run
	scripts/install-perf.sh
	./$(BIN) syscalls --duration 500ms --warmup 250ms --out results/latest/syscalls.json
	./$(BIN) plot results/latest
	./$(BIN) report results/latest --out REPORT.md

bench-quick: build
	./$(BIN) run --quick
	./$(BIN) plot results/latest
	./$(BIN) report results/latest --out REPORT.md

compare: build
	@if [ -z "$(BASELINE_COMMIT)" ]; then echo "make compare: results/baseline/run.json names no commit (env.commit); run make baseline, or make compare-stored" >&2; exit 2; fi
	@if grep -q '"commit": *"[^"]*-dirty"' results/baseline/run.json; then echo "make compare: note: results/baseline was measured on a dirty checkout of $(BASELINE_COMMIT); its commit is measured without those changes" >&2; fi
	rm -rf results/compare
	./$(BIN) ab --base $(BASELINE_COMMIT) --head $(BIN) $(COMPARE_RUN) --out results/compare

compare-stored: build
	rm -rf results/compare-stored
	./$(BIN) run $(BASELINE_RUN) --out results/compare-stored
	./$(BIN) compare results/baseline results/compare-stored/latest $(COMPARE_FLAGS)

baseline: build
	rm -rf results/.tmp-baseline
	./$(BIN) run $(BASELINE_RUN) --out results/.tmp-baseline
	rm -rf results/baseline
	cp -RL results/.tmp-baseline/latest results/baseline
	rm -rf results/.tmp-baseline

ab: build
	./$(BIN) ab --base $(BASE) --head HEAD

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./app/... ./servers/... ./backend/...

fuzz:
	@set -e; for dir in $(FUZZ_DIRS); do \
		for target in $$($(GO) test -list '^Fuzz' $$dir | grep '^Fuzz'); do \
			echo "fuzzing $$target in $$dir for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

torture: build
	./scripts/install-slowhttptest.sh
	./$(BIN) torture

syscalls: build
	scripts/install-perf.sh
	./$(BIN) syscalls --out results/syscalls.json

lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	GO=$(GO) scripts/lint-workflows.sh

bisect-check:
	LOOPBENCH_SLOW=1 $(GO) test -timeout 20m -run 'TestBisectOwnHistory' -v ./cmd/loopbench

clean:
	rm -rf bin
	rm -rf results/.tmp*
