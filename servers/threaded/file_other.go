//go:build !linux

package threaded

import (
	"os"

	"loopbench/app"
)

// dataDir is the directory /file reads from (this model runs only on Linux).
type dataDir struct {
	root *os.Root
	err  error
}

func openDataDir(dir string) dataDir {
	root, err := os.OpenRoot(dir)
	return dataDir{root: root, err: err}
}

func (d dataDir) read(name string, _ *[]byte, buf []byte) ([]byte, error) {
	if d.err != nil {
		return buf[:0], d.err
	}
	return app.ReadFileInto(d.root, name, buf)
}

func (d dataDir) close() {
	if d.root != nil {
		d.root.Close()
	}
}
