package proc

import (
	"strings"
	"sync"
)

// Tail keeps the last Max bytes written to it: a child's output, or a
// command's standard error, for the failure report.
type Tail struct {
	Max int
	mu  sync.Mutex
	buf []byte
	cut bool
}

// Write keeps p, dropping what falls beyond Max bytes back. It never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.Max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.Max:]...)
		t.cut = true
	}
	return len(p), nil
}

// String returns the kept output, trimmed.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// Cut reports whether output was dropped to keep the last Max bytes.
func (t *Tail) Cut() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cut
}
