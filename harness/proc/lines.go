package proc

import (
	"bytes"
	"io"
	"sync"
)

// MaxLine is the longest line Lines passes on; the rest of a longer line is
// dropped.
const MaxLine = 1 << 20

// Lines returns a writer that calls fn with each complete line written to
// it, without its newline: a child whose standard output is a protocol of
// one JSON line per message (a supervisor's, a sampler's). A Child's Done
// is closed only after every line has been passed on. fn must not keep line.
func Lines(fn func(line []byte)) io.Writer { return &lineWriter{fn: fn} }

type lineWriter struct {
	mu   sync.Mutex
	fn   func([]byte)
	buf  []byte
	skip bool // the current line grew past MaxLine
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.add(p)
			break
		}
		w.add(p[:i])
		if !w.skip {
			w.fn(w.buf)
		}
		w.buf, w.skip, p = w.buf[:0], false, p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) add(p []byte) {
	if len(w.buf)+len(p) > MaxLine {
		w.skip = true
	}
	if !w.skip {
		w.buf = append(w.buf, p...)
	}
}
