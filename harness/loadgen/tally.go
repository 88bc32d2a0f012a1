package loadgen

import (
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"loopbench/harness/results"
)

// The error classes. Every failed request counts once in one class, except
// classConnect, which counts failed dials.
const (
	classConnect = iota
	classTimeout
	classReset
	classClosed
	classStatus
	classBody
	classProtocol
	classOther
	numClasses
)

var classNames = [numClasses]string{"connect", "timeout", "reset", "closed", "status", "body", "protocol", "other"}

// classOK marks a correct answer in a sample.
const classOK = -1

// shard is one lock's worth of counts; workers spread over a few shards so
// that many connections do not queue on one mutex, and one histogram per
// route and shard keeps memory bounded (an HDR histogram is about 150 KB).
type shard struct {
	mu       sync.Mutex
	hists    []*hdr.Histogram
	requests []int64
	status   map[int]int64
	errors   [numClasses]int64
	lag      *hdr.Histogram
	sched    scheduleTally
}

// scheduleTally is, per quarter of an open loop's window (by scheduled
// time), its requests' latency and send lag: what tells a queue that grew
// through the window from a steady one. Medians, not means: one stalled
// request must not raise a quarter. Two significant digits are enough for
// a median that is compared with others by a factor of two.
type scheduleTally struct {
	quarters [4]*quarterTally
}

type quarterTally struct {
	n        int64
	lat, lag *hdr.Histogram
}

func newQuarterTally() *quarterTally {
	return &quarterTally{lat: hdr.New(results.HistMin, results.HistMax, 2), lag: hdr.New(results.HistMin, results.HistMax, 2)}
}

func (st *scheduleTally) add(x *sample) {
	if x.quarter < 0 || x.quarter > 3 {
		return
	}
	q := st.quarters[x.quarter]
	if q == nil {
		q = newQuarterTally()
		st.quarters[x.quarter] = q
	}
	q.n += int64(x.n)
	q.lag.RecordValues(min(max(x.lag, results.HistMin), results.HistMax), int64(x.n))
	if x.class == classOK {
		q.lat.RecordValue(min(max(x.us, results.HistMin), results.HistMax))
	}
}

// tally is the run's counts, merged into a Result at the end.
type tally struct{ shards []shard }

func shardCount(connections int) int { return min(connections, 4) }

func newTally(routes, shards int) *tally {
	t := &tally{shards: make([]shard, shards)}
	for i := range t.shards {
		s := &t.shards[i]
		s.hists = make([]*hdr.Histogram, routes)
		for j := range s.hists {
			s.hists[j] = results.NewHistogram()
		}
		s.requests = make([]int64, routes)
		s.status = map[int]int64{}
		s.lag = results.NewHistogram()
	}
	return t
}

// sample is one measured outcome, batched by a worker before it takes the
// shard's lock.
type sample struct {
	us     int64 // latency (correct answers)
	lag    int64 // open loop: how late the request was sent after its scheduled time, µs; else -1
	route  int32
	status int32 // 0 when there was no answer
	class  int32 // classOK or an error class
	n      int32 // requests this outcome stands for
	// quarter is the quarter of the window an open loop's request was
	// scheduled in (0-3).
	quarter int8
}

// recorder is a worker's batch of samples for its shard.
type recorder struct {
	s     *shard
	batch []sample
}

const batchSize = 128

func (t *tally) recorder(worker int) recorder {
	return recorder{s: &t.shards[worker%len(t.shards)], batch: make([]sample, 0, batchSize)}
}

func (rc *recorder) add(s sample) {
	rc.batch = append(rc.batch, s)
	if len(rc.batch) == cap(rc.batch) {
		rc.flush()
	}
}

func (rc *recorder) flush() {
	if len(rc.batch) == 0 {
		return
	}
	s := rc.s
	s.mu.Lock()
	for i := range rc.batch {
		s.apply(&rc.batch[i])
	}
	s.mu.Unlock()
	rc.batch = rc.batch[:0]
}

func (s *shard) apply(x *sample) {
	if x.status != 0 {
		s.status[int(x.status)]++
	}
	if x.lag >= 0 {
		s.lag.RecordValue(min(max(x.lag, results.HistMin), results.HistMax))
		s.sched.add(x)
	}
	if x.class != classOK {
		s.errors[x.class] += int64(x.n)
		return
	}
	s.requests[x.route]++
	s.hists[x.route].RecordValue(min(max(x.us, results.HistMin), results.HistMax))
}

// fill merges the shards into res.
func (t *tally) fill(res *Result, routes []route) {
	res.All, res.SendLag = results.NewHistogram(), results.NewHistogram()
	res.Status, res.Errors = map[int]int64{}, map[string]int64{}
	for j, rt := range routes {
		rr := RouteResult{Target: rt.target, Hist: results.NewHistogram()}
		for i := range t.shards {
			rr.Hist.Merge(t.shards[i].hists[j])
			rr.Requests += t.shards[i].requests[j]
		}
		res.All.Merge(rr.Hist)
		res.Requests += rr.Requests
		res.Routes = append(res.Routes, rr)
	}
	for i := range t.shards {
		s := &t.shards[i]
		res.SendLag.Merge(s.lag)
		for q, sq := range s.sched.quarters {
			if sq != nil {
				res.Quarters[q].add(sq)
			}
		}
		for code, n := range s.status {
			res.Status[code] += n
		}
		for c, n := range s.errors {
			if n > 0 {
				res.Errors[classNames[c]] += n
			}
		}
	}
}
