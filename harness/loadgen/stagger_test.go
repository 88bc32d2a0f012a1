package loadgen

import (
	"slices"
	"testing"
	"time"
)

// TestStagger checks that Config.Stagger spreads the connections' first
// requests after admission over the stagger, and that without it they
// leave together: requests of a fixed wait, measured at the server.
func TestStagger(t *testing.T) {
	const conns, wait = 30, 300 * time.Millisecond
	for _, tc := range []struct {
		name    string
		stagger time.Duration
		// the spread of the first requests after admission, in bounds
		min, max time.Duration
	}{
		{"lockstep", 0, 0, 150 * time.Millisecond},
		{"staggered", wait, 200 * time.Millisecond, 2 * wait},
	} {
		forEachEngine(t, tc.name, func(t *testing.T, engine string) {
			s := startServer(t, faultNone, 0)
			s.recording.Store(true)
			cfg := short(s.addr(), "/sleep?ms=300")
			cfg.Connections, cfg.Engine, cfg.Stagger = conns, engine, tc.stagger
			cfg.Warmup, cfg.Duration = wait, wait
			res := mustRun(t, cfg)
			if len(res.Errors) != 0 {
				t.Fatalf("errors %v", res.Errors)
			}
			s.mu.Lock()
			at := slices.Clone(s.arrivals)
			s.mu.Unlock()
			slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
			if len(at) < 2*conns {
				t.Fatalf("%d requests arrived, want at least %d", len(at), 2*conns)
			}
			// The first conns arrivals are admission's, one per connection;
			// the next conns are the first after it.
			next := at[conns : 2*conns]
			if spread := next[len(next)-1].Sub(next[0]); spread < tc.min || spread > tc.max {
				t.Errorf("the first requests after admission arrived over %v, want %v to %v", spread, tc.min, tc.max)
			}
		})
	}
}

func TestStaggerValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
	}{
		{"longer than the warm-up", func(c *Config) { c.Stagger, c.Warmup = time.Second, 500*time.Millisecond }},
		{"negative", func(c *Config) { c.Stagger = -time.Second }},
		{"open loop", func(c *Config) { c.Mode, c.Rate, c.Stagger = ModeOpen, 100, 50*time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := short("127.0.0.1:1", "/plaintext")
			tc.cfg(&cfg)
			if err := validate(&cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
