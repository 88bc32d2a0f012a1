package node

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"loopbench/servers/model"
)

// execHelperEnv, when set, makes the test binary act as `loopbench serve
// --model node`: it calls Exec with the configuration in the environment.
const execHelperEnv = "LOOPBENCH_NODE_EXEC_HELPER"

// serveHelperValue, as execHelperEnv's value, makes the helper call Serve
// instead, on the address in LOOPBENCH_NODE_SERVE_ADDR, and
// blocks until it is killed.
const serveHelperValue = "serve"

func execHelper() {
	if os.Getenv(execHelperEnv) == serveHelperValue {
		err := New().Serve(context.Background(), model.Config{Addr: os.Getenv("LOOPBENCH_NODE_SERVE_ADDR")})
		fmt.Fprintln(os.Stderr, "Serve returned:", err)
		os.Exit(3)
	}
	pool, _ := strconv.Atoi(os.Getenv("LOOPBENCH_NODE_EXEC_POOL"))
	cfg := model.Config{
		Addr:      os.Getenv(execHelperEnv),
		Pool:      pool,
		StatsFile: os.Getenv("LOOPBENCH_NODE_EXEC_STATS"),
		DataDir:   os.Getenv("LOOPBENCH_NODE_EXEC_DATA"),
	}
	err := New().Exec(cfg)
	fmt.Fprintln(os.Stderr, "Exec returned:", err)
	os.Exit(3)
}
