package httpcheck

import (
	"bytes"
	"errors"
	"testing"

	"loopbench/app"
)

// FuzzSharedParser feeds request bytes to the shared parser (app.Parse),
// starting from the whole corpus, whose every request `make test` runs as a
// seed: no panic; a refusal with a status the models answer; a request it
// accepts is accepted alone, with another request after it (unless its
// body is left unread, when the connection closes after it), and waits on each of
// its proper prefixes (the fragmentation check's premise), except one that
// expects 100-continue, which is answered when its head has come.
func FuzzSharedParser(f *testing.F) {
	entries, err := Corpus()
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		f.Add(e.Raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r app.Request
		n, err := app.Parse(data, &r)
		if err != nil {
			var e *app.Error
			if n != 0 || !errors.As(err, &e) || !refusal(e.Status) {
				t.Fatalf("Parse = %d, %v: want 0 and a refusal", n, err)
			}
			return
		}
		if n < 0 || n > len(data) {
			t.Fatalf("Parse consumed %d of %d bytes", n, len(data))
		}
		if n == 0 || bytes.Contains(bytes.ToLower(data), []byte("100-continue")) {
			return
		}
		req, unread := data[:n], r.BodyUnread
		if m, err := app.Parse(append(append([]byte(nil), req...), followUp...), &r); !unread && (m != n || err != nil) {
			t.Fatalf("with a request after it: Parse = %d, %v; alone %d", m, err, n)
		}
		step := 1 + len(req)/256
		for i := 0; i < len(req); i += step {
			if m, err := app.Parse(req[:i], &r); m != 0 || err != nil {
				t.Fatalf("prefix of %d of the %d-byte request %q: Parse = %d, %v", i, len(req), req, m, err)
			}
		}
	})
}

// refusal reports whether status is one Parse refuses a request with.
func refusal(status int) bool {
	switch status {
	case 400, 414, 431, 501, 505:
		return true
	}
	return false
}
