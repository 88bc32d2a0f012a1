package deadline

import (
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	head, idle := 2*time.Second, 10*time.Second
	cases := []struct {
		wait Wait
		age  time.Duration
		want Expiry
	}{
		{Idle, time.Second, None},
		{Idle, 11 * time.Second, IdleTimeout},
		{Head, time.Second, None},
		{Head, 3 * time.Second, HeadTimeout},
		{Busy, time.Hour, None},
	}
	for _, c := range cases {
		var s State
		s.Publish(c.wait)
		now := s.since.Load() + int64(c.age)
		if got := s.Due(now, head, idle); got != c.want {
			t.Errorf("wait %d for %v: Due = %d, want %d", c.wait, c.age, got, c.want)
		}
	}
}

// TestPublishKeepsHeadStart wants a head that stays a head keep its start,
// and an idle wait restart.
func TestPublishKeepsHeadStart(t *testing.T) {
	var s State
	s.Publish(Head)
	first := s.since.Load()
	time.Sleep(time.Millisecond)
	s.Publish(Head)
	if s.since.Load() != first {
		t.Error("a second Publish(Head) moved the head's start")
	}
	s.Publish(Idle)
	idle := s.since.Load()
	time.Sleep(time.Millisecond)
	s.Publish(Idle)
	if s.since.Load() == idle {
		t.Error("Publish(Idle) did not restart the idle wait")
	}
}

func TestSet(t *testing.T) {
	var s Set[int]
	s.Add(1)
	s.Add(2)
	s.Remove(1)
	var seen []int
	s.Each(func(c int) { seen = append(seen, c) })
	if len(seen) != 1 || seen[0] != 2 {
		t.Errorf("Each saw %v, want [2]", seen)
	}
	if got := Every(2 * time.Second); got != 500*time.Millisecond {
		t.Errorf("Every(2s) = %v, want 500ms", got)
	}
}
