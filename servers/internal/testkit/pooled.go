package testkit

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Concurrent sends target on n connections at once, each opened (and
// answered once on /plaintext) beforehand so that only the requests
// overlap, and returns when each answer came, from the moment the
// requests were sent, earliest first. Every answer must be 200
// with body.
func Concurrent(addr, target, body string, n int) ([]time.Duration, error) {
	cs := make([]*Client, n)
	for i := range cs {
		c, err := DialErr(addr)
		if err != nil {
			return nil, err
		}
		defer c.Conn.Close()
		if _, err := c.Exchange(Get("/plaintext")); err != nil {
			return nil, err
		}
		cs[i] = c
	}
	var (
		mu    sync.Mutex
		took  []time.Duration
		first error
		wg    sync.WaitGroup
	)
	begin := time.Now()
	for _, c := range cs {
		wg.Go(func() {
			r, err := c.Exchange(Get(target))
			if err == nil && (r.Status != 200 || string(r.Body) != body) {
				err = fmt.Errorf("GET %s answered %v; want 200 %q", target, r, body)
			}
			mu.Lock()
			defer mu.Unlock()
			took = append(took, time.Since(begin))
			if err != nil && first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	slices.Sort(took)
	return took, first
}
