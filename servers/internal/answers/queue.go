// Package answers keeps a connection's answers in request order for a model
// on a library's event loop (gnet, evio) whose deferred operations finish on
// other goroutines: an unfinished answer holds back every answer behind it,
// the queue is bounded so a client that pipelines without end waits, and
// the loop is woken when answers are ready, never after the connection has
// closed.
//
// A queue hands its ready answers on in one of two ways, chosen by its Loop:
// a Writer takes them as soon as they are ready (gnet's AsyncWritev); any
// other Loop is woken and takes them with Release (evio's Wake, then Data).
package answers

import "sync"

// Loop is the event loop that serves a queue's connection.
type Loop interface {
	// Wake has the loop look at the connection again soon. The queue
	// calls it with its lock held and never after Close, so it never
	// reaches a loop that has let the connection go; it must not call
	// back into the queue.
	Wake()
}

// Writer is a Loop that takes ready answers as they come instead of being
// woken to fetch them.
type Writer interface {
	Loop
	// Writev hands the loop a batch of answers to write after the batches
	// handed to it before, and to report with Written once written. The
	// queue calls it with its lock held, so batches leave in request
	// order; it must not call back into the queue. An error means the loop
	// takes nothing more (it is stopping).
	Writev(batch [][]byte) error
}

// Queue is a connection's answers that have not left yet, in request order.
// The loop adds answers (Append, Reserve) and closes the queue; a deferred
// operation's goroutine completes its answer with Finish. Its methods are
// safe for concurrent use. The zero Queue is not ready: call Init.
type Queue struct {
	limit  int
	loop   Loop
	writer Writer // loop, when it is a Writer; nil when the loop pulls

	mu       sync.Mutex
	slots    []*Slot // answers not handed on yet, in request order
	inflight int     // batches handed to the Writer and not Written yet
	stalled  bool    // Full stopped the loop from reading
	closed   bool    // Close ran: hand nothing more to the loop
}

// Slot is one answer's place in a Queue: a deferred answer until Finish
// fills it, or immediate answers that had to wait behind one.
type Slot struct {
	buf   []byte
	ready bool
}

// Init readies an empty queue of at most limit answers for a connection
// served by loop. It must run before any other method.
func (q *Queue) Init(limit int, loop Loop) {
	q.limit, q.loop = limit, loop
	q.writer, _ = loop.(Writer)
}

// Idle reports whether nothing is queued and nothing handed on is still
// unwritten: an immediate answer may then be written directly, and a
// closing connection may close.
func (q *Queue) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.idleLocked()
}

func (q *Queue) idleLocked() bool { return len(q.slots) == 0 && q.inflight == 0 }

// Full reports whether the queue holds its limit of answers; the loop then
// stops reading requests. For a Writer, Written tells when to resume.
func (q *Queue) Full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stalled = len(q.slots) >= q.limit
	return q.stalled
}

// Append puts the immediate answer resp behind the answers not yet handed
// on, copied, and reports true; or, when the queue is Idle, reports false
// and leaves resp to the caller to write directly, so a connection without
// deferred answers copies and allocates nothing.
func (q *Queue) Append(resp []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.idleLocked() {
		return false
	}
	if last := len(q.slots) - 1; last >= 0 && q.slots[last].ready {
		q.slots[last].buf = append(q.slots[last].buf, resp...)
	} else {
		q.slots = append(q.slots, &Slot{buf: append([]byte(nil), resp...), ready: true})
	}
	if q.writer != nil {
		q.writeLocked()
	}
	return true
}

// Reserve queues the place of a deferred answer, which holds back every
// answer behind it until Finish fills it.
func (q *Queue) Reserve() *Slot {
	s := &Slot{}
	q.mu.Lock()
	q.slots = append(q.slots, s)
	q.mu.Unlock()
	return s
}

// Finish fills s, reserved in this queue, with its answer buf. A Writer is
// handed the answers now ready at the head; any other loop is woken to
// Release them. After Close it only drops buf.
func (q *Queue) Finish(s *Slot, buf []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	s.buf, s.ready = buf, true
	switch {
	case q.closed:
	case q.writer != nil:
		q.writeLocked()
	default:
		q.loop.Wake()
	}
}

// writeLocked hands the ready answers at the head to the Writer as one
// batch. The caller holds q.mu.
func (q *Queue) writeLocked() {
	if q.closed {
		return
	}
	k := q.readyLocked()
	if k == 0 {
		return
	}
	batch := make([][]byte, k)
	for i, s := range q.slots[:k] {
		batch[i] = s.buf
	}
	q.dropLocked(k)
	q.inflight++
	if err := q.writer.Writev(batch); err != nil {
		q.inflight-- // the loop is stopping: nothing will be Written
	}
}

// Written tells a Writer's queue that a batch has been written (or dropped
// with the connection), and reports whether the loop, stalled by Full,
// should resume reading.
func (q *Queue) Written() (resume bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inflight--
	resume = q.stalled && len(q.slots) < q.limit && !q.closed
	q.stalled = q.stalled && !resume
	return resume
}

// HeadReady reports whether the answer at the head is ready to Release.
func (q *Queue) HeadReady() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.slots) > 0 && q.slots[0].ready
}

// Release appends the ready answers at the head to out, in order, and
// takes them out of the queue; it is how a loop that is not a Writer takes
// its answers.
func (q *Queue) Release(out []byte) []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := q.readyLocked()
	for _, s := range q.slots[:k] {
		out = append(out, s.buf...)
	}
	q.dropLocked(k)
	return out
}

// readyLocked counts the ready answers at the head.
func (q *Queue) readyLocked() int {
	k := 0
	for k < len(q.slots) && q.slots[k].ready {
		k++
	}
	return k
}

// dropLocked takes the first k answers out of the queue.
func (q *Queue) dropLocked(k int) {
	if k == 0 {
		return
	}
	n := copy(q.slots, q.slots[k:])
	clear(q.slots[n:])
	q.slots = q.slots[:n]
}

// Close drops every answer and stops every hand-over and wake-up: the
// connection is gone, and with it perhaps the loop's poller. Deferred
// operations still running may Finish; their answers are dropped.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed, q.slots = true, nil
}

// wake wakes the loop, unless the queue has closed.
func (q *Queue) wake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.loop.Wake()
	}
}
