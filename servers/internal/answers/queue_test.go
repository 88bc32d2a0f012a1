package answers

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeLoop is a Loop that counts its wake-ups (which may come from a
// timer's goroutine).
type fakeLoop struct {
	wakes atomic.Int32
	woke  chan struct{}
}

func newFakeLoop() *fakeLoop { return &fakeLoop{woke: make(chan struct{}, 64)} }

func (l *fakeLoop) Wake() {
	l.wakes.Add(1)
	select {
	case l.woke <- struct{}{}:
	default:
	}
}

// fakeWriter is a Writer that keeps the batches it is handed, each as one
// string with its answers separated by '|'.
type fakeWriter struct {
	fakeLoop
	batches []string
	err     error // what Writev returns
}

func newFakeWriter() *fakeWriter {
	return &fakeWriter{fakeLoop: fakeLoop{woke: make(chan struct{}, 64)}}
}

func (w *fakeWriter) Writev(batch [][]byte) error {
	if w.err != nil {
		return w.err
	}
	parts := make([]string, len(batch))
	for i, b := range batch {
		parts[i] = string(b)
	}
	w.batches = append(w.batches, strings.Join(parts, "|"))
	return nil
}

// player plays a script on a queue the way a model's loop and its deferred
// operations would, and records what reaches the client.
type player struct {
	q      Queue
	w      *fakeWriter // nil for a pulling loop
	slots  map[string]*Slot
	wire   strings.Builder // every answer that left, in order
	direct strings.Builder // the answers written directly
}

func newPlayer(limit int, writer bool) *player {
	p := &player{slots: map[string]*Slot{}}
	if writer {
		p.w = newFakeWriter()
		p.q.Init(limit, p.w)
	} else {
		p.q.Init(limit, newFakeLoop())
	}
	return p
}

// play runs the script's space-separated tokens: "x" is an immediate answer
// x, "x?" a deferred answer x, "!x" its operation finishing, "w" the loop
// having written a batch (a pulling loop has nothing to report), "close"
// the connection closing. A pulling loop
// releases after every token; a Writer's batches go to the wire as they
// are handed over.
func (p *player) play(t *testing.T, script string) {
	t.Helper()
	for tok := range strings.FieldsSeq(script) {
		batches := p.batches()
		switch {
		case tok == "close":
			p.q.Close()
		case tok == "w" && p.w != nil:
			p.q.Written()
		case tok == "w":
		case strings.HasPrefix(tok, "!"):
			p.q.Finish(p.slots[tok[1:]], []byte(tok[1:]))
		case strings.HasSuffix(tok, "?"):
			p.slots[strings.TrimSuffix(tok, "?")] = p.q.Reserve()
		case !p.q.Append([]byte(tok)):
			p.wire.WriteString(tok)
			p.direct.WriteString(tok)
		}
		if p.w == nil {
			p.wire.Write(p.q.Release(nil))
			continue
		}
		for _, b := range p.w.batches[batches:] {
			p.wire.WriteString(strings.ReplaceAll(b, "|", ""))
		}
	}
}

func (p *player) batches() int {
	if p.w == nil {
		return 0
	}
	return len(p.w.batches)
}

// TestOrder plays requests and finishing operations against both kinds of
// loop and wants the answers to leave in request order, the immediate ones
// directly whenever nothing is queued or in flight.
func TestOrder(t *testing.T) {
	tests := []struct {
		name   string
		script string
		wire   string // what reached the client, in order
		direct string // what of it was written directly
	}{
		// Without deferred answers nothing is queued or copied.
		{"immediate answers only", "a b c", "abc", "abc"},
		// A deferred answer in the middle holds back the answer behind it;
		// once written, answers go directly again.
		{"deferred in the middle", "a b? c !b w d", "abcd", "ad"},
		// Operations finishing out of order still answer in order.
		{"finished out of order", "a? b? c !b !a w d", "abcd", "d"},
		// The second deferred answer waits for the first; what follows it
		// waits for the second.
		{"two deferred in a row", "a? b? !a w c !b w d", "abcd", "d"},
		// Several immediate answers behind a deferred one leave together.
		{"immediate answers join", "a? b c d !a w e", "abcde", "e"},
		// Closing drops the queued answers and those finishing later.
		{"close drops", "a b? c close !b d", "ad", "ad"},
	}
	for _, tt := range tests {
		for _, writer := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/writer=%v", tt.name, writer), func(t *testing.T) {
				p := newPlayer(16, writer)
				p.play(t, tt.script)
				if p.wire.String() != tt.wire || p.direct.String() != tt.direct {
					t.Errorf("%q: the client got %q, %q of it directly; want %q, %q directly",
						tt.script, p.wire.String(), p.direct.String(), tt.wire, tt.direct)
				}
			})
		}
	}
}

// TestWriterBatches checks what a Writer is handed: the ready answers at
// the head in one batch, the immediate answers that queued behind one
// deferred answer joined into one.
func TestWriterBatches(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		batches []string
	}{
		// Nothing is handed over while the head is unfinished.
		{"head unfinished", "a? b? c !b", nil},
		// Finishing the head hands it over with everything ready behind it.
		{"head finished", "a? b? c !b !a", []string{"a|b|c"}},
		// Immediate answers behind one deferred answer make one slot.
		{"joined", "a? b c !a", []string{"a|bc"}},
		// An answer queued while a batch is in flight is handed at once.
		{"in flight", "a? !a b", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlayer(16, true)
			p.play(t, tt.script)
			if fmt.Sprint(p.w.batches) != fmt.Sprint(tt.batches) {
				t.Errorf("%q: batches %q, want %q", tt.script, p.w.batches, tt.batches)
			}
		})
	}
}

// TestBound checks Full against the limit, and when a Writer's stalled
// loop is told to resume.
func TestBound(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		script string // played before Full
		then   string // played after Full, before the last Written
		full   bool
		resume bool // what the last Written reports (Writer only)
	}{
		// Below the limit the loop reads on, and needs no resuming.
		{"below", 2, "a?", "!a", false, false},
		// At the limit it stops; the write that drains it resumes it.
		{"at the limit", 2, "a? b?", "!a", true, true},
		// Immediate answers joined behind a deferred one count once.
		{"joined count once", 3, "a? b c", "!a", false, false},
		// Still at the limit after the write: not yet.
		{"still full", 1, "a? !a b?", "", true, false},
		// A closed connection is never resumed.
		{"closed", 1, "a?", "!a close", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlayer(tt.limit, true)
			p.play(t, tt.script)
			if full := p.q.Full(); full != tt.full {
				t.Fatalf("%q: Full() = %v with limit %d, want %v", tt.script, full, tt.limit, tt.full)
			}
			p.play(t, tt.then)
			if resume := p.q.Written(); resume != tt.resume {
				t.Errorf("%q, Full, %q: Written() = %v, want %v", tt.script, tt.then, resume, tt.resume)
			}
		})
	}
}

// TestIdle checks when a closing connection may close: nothing queued, and
// for a Writer nothing in flight.
func TestIdle(t *testing.T) {
	tests := []struct {
		name   string
		writer bool
		refuse bool // Writev fails: the engine is stopping
		script string
		idle   bool
	}{
		{"new", false, false, "", true},
		{"deferred answer pending", false, false, "a?", false},
		{"released", false, false, "a? !a", true},
		{"batch in flight", true, false, "a? !a", false},
		{"batch written", true, false, "a? !a w", true},
		{"batch refused", true, true, "a? !a", true},
		{"closed", false, false, "a? b close", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlayer(16, tt.writer)
			if tt.refuse {
				p.w.err = errors.New("engine stopping")
			}
			p.play(t, tt.script)
			if idle := p.q.Idle(); idle != tt.idle {
				t.Errorf("%q: Idle() = %v, want %v", tt.script, idle, tt.idle)
			}
		})
	}
}

// TestWake checks that a pulling loop is woken when an answer finishes,
// a Writer is handed the answer instead, and nothing reaches a loop after
// Close.
func TestWake(t *testing.T) {
	tests := []struct {
		name   string
		writer bool
		script string
		wakes  int32
	}{
		{"a finished answer wakes the loop", false, "a? !a", 1},
		{"each finished answer does", false, "a? b? !b !a", 2},
		{"immediate answers do not", false, "a? b c", 0},
		{"a Writer is handed answers, not woken", true, "a? !a", 0},
		{"nothing wakes a closed queue", false, "a? close !a", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlayer(16, tt.writer)
			p.play(t, tt.script)
			var wakes int32
			if tt.writer {
				wakes = p.w.wakes.Load()
			} else {
				wakes = p.q.loop.(*fakeLoop).wakes.Load()
			}
			if wakes != tt.wakes {
				t.Errorf("%q: %d wake-ups, want %d", tt.script, wakes, tt.wakes)
			}
		})
	}
}

// TestFinishConcurrently finishes many deferred answers from their own
// goroutines, in no particular order, while the loop releases, and wants
// every answer in request order (run it with -race).
func TestFinishConcurrently(t *testing.T) {
	const n = 200
	loop := newFakeLoop()
	var q Queue
	q.Init(n, loop)
	slots := make([]*Slot, n)
	var want strings.Builder
	for i := range slots {
		slots[i] = q.Reserve()
		fmt.Fprintf(&want, "%d,", i)
	}
	var wg sync.WaitGroup
	for i := range slots {
		wg.Go(func() { q.Finish(slots[i], fmt.Appendf(nil, "%d,", i)) })
	}
	var got []byte
	for len(got) < want.Len() {
		<-loop.woke
		got = q.Release(got)
	}
	wg.Wait()
	if string(got) != want.String() {
		t.Errorf("answers left as %.80q..., want %.80q...", got, want.String())
	}
}
