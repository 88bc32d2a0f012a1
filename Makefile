# loopbench: build, test and measure. `make help` lists the targets.

GO          ?= go
BIN         := bin/loopbench
FUZZTIME    ?= 30s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Packages whose tests run without the race detector, because under it they
# would not fit the time budget of `make test` on a 2-core machine (they
# build the binary and drive real servers as child processes). Every other
# package runs with -race.
NORACE_PKGS := loopbench/harness/runner

PKGS      = $(shell $(GO) list ./...)
RACE_PKGS = $(filter-out $(NORACE_PKGS),$(PKGS))
# Directories holding fuzz targets, found by their declarations.
FUZZ_DIRS = $(sort $(dir $(shell grep -rl --include='*_test.go' '^func Fuzz' .)))

.DEFAULT_GOAL := build

.PHONY: help build test bench bench-quick bench-go fuzz lint clean compare baseline ab torture syscalls

# What `make compare` and `make baseline` measure: short, with enough
# repetitions for the U test and for intervals.
BASELINE_RUN  := --workload plaintext --quick --reps 6
# Extra flags for `loopbench compare`, e.g. COMPARE_FLAGS=--allow-env-change
# on a machine other than the baseline's.
COMPARE_FLAGS ?=
# `make ab BASE=main` measures this checkout's last commit against BASE.
BASE ?= HEAD~1

help:
	@echo 'make build        build $(BIN)'
	@echo 'make test         vet, then every test (with -race where affordable); fuzz seeds included'
	@echo 'make bench        run every workload on every model, then plots and REPORT.md'
	@echo 'make bench-quick  the same with shorter runs (run --quick)'
	@echo 'make compare      measure the baseline workloads and compare with results/baseline (exit 1 on a regression)'
	@echo 'make baseline     measure them and store the run as results/baseline'
	@echo 'make ab BASE=REF  measure REF against HEAD, interleaved on this machine (loopbench ab)'
	@echo 'make bench-go     the Go benchmarks of the application and the models, with -benchmem'
	@echo 'make fuzz         each fuzz target for FUZZTIME (default $(FUZZTIME))'
	@echo 'make torture      every hostile-client scenario against every model (loopbench torture); fails if threaded or eventloop does'
	@echo 'make syscalls     system calls per request of each model and backend (loopbench syscalls, perf) into results/syscalls.json'
	@echo 'make lint         go vet and staticcheck'
	@echo 'make clean        remove build outputs'

build:
	$(GO) build -o $(BIN) ./cmd/loopbench

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 10m $(RACE_PKGS)
	$(GO) test -timeout 10m $(filter $(NORACE_PKGS),$(PKGS))

bench: build
	./$(BIN) run
	./$(BIN) plot results/latest
	./$(BIN) report results/latest --out REPORT.md

bench-quick: build
	./$(BIN) run --quick
	./$(BIN) plot results/latest
	./$(BIN) report results/latest --out REPORT.md

compare: build
	rm -rf results/compare
	./$(BIN) run $(BASELINE_RUN) --out results/compare
	./$(BIN) compare results/baseline results/compare/latest $(COMPARE_FLAGS)

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
	./$(BIN) torture

syscalls: build
	scripts/install-perf.sh
	./$(BIN) syscalls --out results/syscalls.json

lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin
	rm -rf results/.tmp*
