package eventloop

import (
	"os"
	"runtime"
	"strconv"
	"sync"
)

// defaultPoolSize is libuv's default UV_THREADPOOL_SIZE.
const defaultPoolSize = 4

// poolSizeEnv overrides the default pool size, as UV_THREADPOOL_SIZE does
// for libuv; Config.Pool overrides both.
const poolSizeEnv = "LOOPBENCH_THREADPOOL_SIZE"

// giveEveryThreadAProcessor raises GOMAXPROCS to at least threads, the
// loops plus the pool's workers, and returns the function that restores it.
// libuv's loop and workers are kernel threads that the kernel time-slices;
// Go runs a locked thread only while it holds one of GOMAXPROCS processors.
// With fewer processors than threads (one, when the server is pinned to one
// CPU), a worker running a long /cpu job keeps the loop off its processor
// until the runtime preempts the worker (10 ms or more), so offloading would
// not unblock the loop at all. Measured with the server on one CPU, mixed
// load at 1,000 req/s with --cpu-offload: /plaintext p99 44 ms at
// GOMAXPROCS=1, 6.4 ms with a processor for every thread.
func giveEveryThreadAProcessor(threads int) (restore func()) {
	prev := runtime.GOMAXPROCS(0)
	if threads <= prev {
		return func() {}
	}
	runtime.GOMAXPROCS(threads)
	return func() { runtime.GOMAXPROCS(prev) }
}

// poolSize returns the number of worker threads: the configured size, else
// the environment's, else libuv's default.
func poolSize(configured int) int {
	if configured > 0 {
		return configured
	}
	if n, err := strconv.Atoi(os.Getenv(poolSizeEnv)); err == nil && n > 0 {
		return n
	}
	return defaultPoolSize
}

// job is the work of a work request: work runs on a worker thread, done on
// the loop thread of the loop that submitted it, after work has returned.
type job interface {
	work()
	done()
}

// workReq is a request on the pool, like libuv's uv_work_t. It is embedded
// in whatever owns the job, so submitting work allocates nothing.
type workReq struct {
	next *workReq
	job  job
	to   *doneQueue // the submitting loop's completion queue
}

// workList is an intrusive FIFO of work requests.
type workList struct{ head, tail *workReq }

func (q *workList) push(w *workReq) {
	w.next = nil
	if q.tail == nil {
		q.head = w
	} else {
		q.tail.next = w
	}
	q.tail = w
}

func (q *workList) pop() *workReq {
	w := q.head
	if w != nil {
		q.head = w.next
		if q.head == nil {
			q.tail = nil
		}
		w.next = nil
	}
	return w
}

// doneQueue is a loop's queue of finished work requests. Workers push onto
// it and wake the loop through wake (the loop's eventfd); the loop takes the
// whole list at once.
type doneQueue struct {
	mu   sync.Mutex
	list workList
	wake func()
}

// push adds a finished request, waking the loop if the queue was empty. A
// non-empty queue already has a wake-up on its way: the loop reads its
// eventfd before it takes the list, so no request is ever left unnoticed.
func (q *doneQueue) push(w *workReq) {
	q.mu.Lock()
	wasEmpty := q.list.head == nil
	q.list.push(w)
	q.mu.Unlock()
	if wasEmpty {
		q.wake()
	}
}

// takeAll removes and returns every finished request.
func (q *doneQueue) takeAll() workList {
	q.mu.Lock()
	l := q.list
	q.list = workList{}
	q.mu.Unlock()
	return l
}

// pool is a fixed set of worker threads sharing one queue, guarded by one
// mutex and one condition variable, as libuv's threadpool.c.
type pool struct {
	mu      sync.Mutex
	cond    sync.Cond
	queue   workList
	closing bool
	wg      sync.WaitGroup
}

// newPool starts n worker threads.
func newPool(n int) *pool {
	p := &pool{}
	p.cond.L = &p.mu
	p.wg.Add(n)
	for range n {
		go p.worker()
	}
	return p
}

// submit queues w. It reports false once the pool is closing, in which case
// w will never run.
func (p *pool) submit(w *workReq) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.queue.push(w)
	p.cond.Signal()
	return true
}

// close stops the workers: each finishes the job it is running, queued jobs
// are dropped, and close returns once every worker thread has exited.
func (p *pool) close() {
	p.mu.Lock()
	p.closing = true
	p.queue = workList{}
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

// worker runs jobs until the pool closes. It is locked to its OS thread, so
// the pool is a fixed set of threads, and the thread exits with it.
//
// Lock ordering: a worker holds pool.mu only to take a job and never while
// running it or while pushing the result; doneQueue.mu is taken only by
// doneQueue.push and takeAll, which take no other lock. So no thread ever
// holds both locks, and a job's work never runs under a lock.
func (p *pool) worker() {
	runtime.LockOSThread()
	defer p.wg.Done()
	for {
		w := p.next()
		if w == nil {
			return
		}
		w.job.work()
		w.to.push(w)
	}
}

// next waits for a job; nil means the pool is closing.
func (p *pool) next() *workReq {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.queue.head == nil && !p.closing {
		p.cond.Wait()
	}
	if p.closing {
		return nil
	}
	return p.queue.pop()
}
