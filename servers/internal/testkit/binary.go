package testkit

import (
	"fmt"
	"os"
	"path/filepath"
)

// BuildBinary makes the program a model runs (the pthread model's C
// server) available to the tests of this process: unless env already
// names one (a parent test process built it, or the user chose one), it
// builds a fresh one from the source with build into a temporary directory
// named for name and points env at it, so the model's Check finds it, and
// so do the test's child processes. canBuild says whether this machine can
// build it at all (it has a C compiler): when it cannot, BuildBinary does
// nothing and the model's Check reports why. A failed build is an error:
// a model whose source no longer compiles must fail the tests, not skip
// them. cleanup removes the build.
func BuildBinary(env, name string, canBuild func() error, build func(path string) (string, error)) (cleanup func(), err error) {
	cleanup = func() {}
	if os.Getenv(env) != "" || canBuild() != nil {
		return cleanup, nil
	}
	dir, err := os.MkdirTemp("", name+"-test")
	if err != nil {
		return cleanup, err
	}
	path := filepath.Join(dir, name)
	if out, err := build(path); err != nil {
		os.RemoveAll(dir)
		return cleanup, fmt.Errorf("building %s: %w\n%s", name, err, out)
	}
	os.Setenv(env, path)
	return func() { os.RemoveAll(dir) }, nil
}
