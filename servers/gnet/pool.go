package gnet

import (
	"sync"

	"github.com/panjf2000/gnet/v2/pkg/pool/goroutine"
)

// workers runs deferred operations on gnet's goroutine pool. By default
// every operation gets a worker at once (the pool holds up to 256 Ki). With
// --pool N at most N run at a time and the rest wait in arrival order, as
// work waits for libuv's thread pool; ants on its own would refuse them.
type workers struct {
	pool  *goroutine.Pool
	limit int // 0: no limit beyond the pool's

	mu      sync.Mutex
	running int
	backlog []func()

	// wg counts the operations not finished yet, queued ones included.
	wg sync.WaitGroup
}

func newWorkers(limit int) *workers {
	return &workers{pool: goroutine.Default(), limit: max(limit, 0)}
}

// submit runs task on a worker now, or queues it if limit are busy.
func (w *workers) submit(task func()) error {
	w.wg.Add(1)
	w.mu.Lock()
	if w.limit > 0 && w.running >= w.limit {
		w.backlog = append(w.backlog, task)
		w.mu.Unlock()
		return nil
	}
	w.running++
	w.mu.Unlock()
	err := w.pool.Submit(func() { w.run(task) })
	if err != nil {
		w.mu.Lock()
		w.running--
		w.mu.Unlock()
		w.wg.Done()
	}
	return err
}

// run performs task, then the queued tasks, until the backlog is empty.
// Taking a task from the backlog and giving up the worker's slot happen
// under one lock, so no queued task is ever left without a worker.
func (w *workers) run(task func()) {
	for task != nil {
		task()
		w.wg.Done()
		w.mu.Lock()
		task = nil
		if len(w.backlog) > 0 {
			task = w.backlog[0]
			w.backlog[0] = nil
			w.backlog = w.backlog[1:]
		} else {
			w.running--
		}
		w.mu.Unlock()
	}
}

// wait waits for every submitted task, then releases the pool's goroutines.
func (w *workers) wait() error {
	w.wg.Wait()
	return w.pool.ReleaseTimeout(releaseTimeout)
}
