package eventloop

import (
	"os"

	"loopbench/app"
)

// dataDir is the directory /file serves, opened once. os.Root keeps a name
// (already checked by app.Handle) and even a symbolic link inside it, and is
// safe for the pool's threads to use at once.
type dataDir struct {
	root *os.Root
	err  error // why the directory could not be opened: every read reports it
}

func openDataDir(dir string) *dataDir {
	root, err := os.OpenRoot(dir)
	return &dataDir{root: root, err: err}
}

// read reads the file name into buf[:0] with blocking reads on the calling
// (worker) thread, growing buf only when the file is larger than it.
func (d *dataDir) read(name string, buf []byte) ([]byte, error) {
	if d.err != nil {
		return buf, d.err
	}
	return app.ReadFileInto(d.root, name, buf)
}

func (d *dataDir) close() {
	if d.root != nil {
		d.root.Close()
	}
}
