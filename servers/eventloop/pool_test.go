package eventloop

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// countJob counts how often work and done ran.
type countJob struct {
	req    workReq
	worked atomic.Int32
	dones  int
}

func (j *countJob) work() { j.worked.Add(1) }
func (j *countJob) done() { j.dones++ }

func TestPoolRunsManyJobs(t *testing.T) {
	const n = 2000
	p := newPool(4)
	wakes := make(chan struct{}, 1)
	q := &doneQueue{wake: func() {
		select {
		case wakes <- struct{}{}:
		default:
		}
	}}
	jobs := make([]countJob, n)
	for i := range jobs {
		jobs[i].req = workReq{job: &jobs[i], to: q}
		if !p.submit(&jobs[i].req) {
			t.Fatal("submit refused before close")
		}
	}
	finished := 0
	for finished < n {
		<-wakes // the consumer drains only after a wake-up, as the loop does
		list := q.takeAll()
		for w := list.pop(); w != nil; w = list.pop() {
			w.job.done()
			finished++
		}
	}
	p.close()
	for i := range jobs {
		if w, d := jobs[i].worked.Load(), jobs[i].dones; w != 1 || d != 1 {
			t.Fatalf("job %d: work ran %d times, done %d times; want once each", i, w, d)
		}
	}
}

// blockJob blocks its worker until released.
type blockJob struct {
	req     workReq
	started chan struct{}
	release chan struct{}
	ran     atomic.Bool
}

func (j *blockJob) work() {
	if j.started != nil {
		close(j.started)
		<-j.release
	}
	j.ran.Store(true)
}
func (j *blockJob) done() {}

func TestPoolCloseFinishesRunningDropsQueued(t *testing.T) {
	p := newPool(1)
	q := &doneQueue{wake: func() {}}
	running := &blockJob{started: make(chan struct{}), release: make(chan struct{})}
	running.req = workReq{job: running, to: q}
	queued := &blockJob{}
	queued.req = workReq{job: queued, to: q}
	p.submit(&running.req)
	<-running.started
	p.submit(&queued.req)
	var wg sync.WaitGroup
	wg.Go(p.close)
	for !p.isClosing() {
		runtime.Gosched()
	}
	close(running.release)
	wg.Wait()
	if !running.ran.Load() {
		t.Error("the running job did not finish")
	}
	if queued.ran.Load() {
		t.Error("a queued job ran after close")
	}
	if p.submit(&queued.req) {
		t.Error("submit accepted work after close")
	}
}

func TestPoolSize(t *testing.T) {
	tests := []struct {
		configured int
		env        string
		want       int
	}{
		{0, "", defaultPoolSize}, // libuv's default
		{0, "7", 7},              // the environment, like UV_THREADPOOL_SIZE
		{3, "7", 3},              // the flag wins
		{0, "zero", defaultPoolSize},
		{0, "-2", defaultPoolSize},
	}
	for _, tt := range tests {
		t.Setenv(poolSizeEnv, tt.env)
		if got := poolSize(tt.configured); got != tt.want {
			t.Errorf("poolSize(%d) with %s=%q = %d, want %d", tt.configured, poolSizeEnv, tt.env, got, tt.want)
		}
	}
}

func (p *pool) isClosing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closing
}
