package node

import (
	"fmt"
	"os"
	"strconv"

	"loopbench/app"
)

// execHelperEnv, when set, makes the test binary act as `loopbench serve
// --model node`: it calls Exec with the configuration in the environment.
const execHelperEnv = "LOOPBENCH_NODE_EXEC_HELPER"

func execHelper() {
	pool, _ := strconv.Atoi(os.Getenv("LOOPBENCH_NODE_EXEC_POOL"))
	cfg := app.Config{
		Addr:      os.Getenv(execHelperEnv),
		Pool:      pool,
		StatsFile: os.Getenv("LOOPBENCH_NODE_EXEC_STATS"),
		DataDir:   os.Getenv("LOOPBENCH_NODE_EXEC_DATA"),
	}
	err := New().Exec(cfg)
	fmt.Fprintln(os.Stderr, "Exec returned:", err)
	os.Exit(3)
}
