package servers_test

import (
	"fmt"
	"os"
	"testing"

	"loopbench/servers/internal/testkit"
	"loopbench/servers/pthread"
)

// TestMain builds the pthread model's C server for the suite when a C
// compiler is there (a fresh clone has no bin/); without one, the pthread
// rows skip, with Check's reason.
func TestMain(m *testing.M) {
	cleanup, err := testkit.BuildBinary(pthread.BinaryEnv, pthread.BinaryName, checkCompiler, buildPthread)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func checkCompiler() error {
	_, err := pthread.Compiler()
	return err
}

func buildPthread(path string) (string, error) { return pthread.Build(path) }
