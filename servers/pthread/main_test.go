package pthread

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/model"
)

// TestMain builds the server for the tests from the embedded source (the
// Makefile's bin/ may be stale or missing), unless BinaryEnv names one;
// without a C compiler the tests skip with Check's reason.
func TestMain(m *testing.M) {
	if addr := os.Getenv(execHelperEnv); addr != "" {
		execHelper(addr)
		return
	}
	cleanup, err := testkit.BuildBinary(BinaryEnv, BinaryName, checkCompiler, func(path string) (string, error) { return Build(path) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left behind:", err)
			code = 1
		}
	}
	cleanup()
	os.Exit(code)
}

func checkCompiler() error {
	_, err := Compiler()
	return err
}

// execHelperEnv, when set to an address, makes the test binary act as
// `loopbench serve --model pthread --addr ADDR`: it calls Exec.
const execHelperEnv = "LOOPBENCH_PTHREAD_EXEC_HELPER"

func execHelper(addr string) {
	err := New().Exec(model.Config{Addr: addr})
	fmt.Fprintln(os.Stderr, "Exec returned:", err)
	os.Exit(3)
}

// requireServer skips the test when the server cannot run here.
func requireServer(t *testing.T) {
	t.Helper()
	if err := Check(); err != nil {
		t.Skipf("pthread model unavailable: %v", err)
	}
}

// start serves cfg with the model until the test ends; cfg.Addr is filled
// in when empty. The server's standard error is not shown: Serve's error
// carries its end.
func start(t *testing.T, cfg model.Config) *testkit.Server {
	t.Helper()
	requireServer(t)
	if cfg.Addr == "" {
		cfg.Addr = testkit.FreeAddr(t)
	}
	return testkit.Start(t, &Model{Stderr: io.Discard}, cfg)
}

// serverPID finds the pid of the server child that serves addr.
func serverPID(t *testing.T, addr string) int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(field)
			cmdline, _ := os.ReadFile("/proc/" + field + "/cmdline")
			if pid > 0 && strings.Contains(string(cmdline), "\x00"+addr+"\x00") {
				return pid
			}
		}
	}
	t.Skipf("no child process serves %s (no /proc?)", addr)
	return 0
}
