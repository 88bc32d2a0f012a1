package loadgen

import (
	"flag"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestParseRoute(t *testing.T) {
	tests := []struct {
		in     string
		target string
		weight float64
		bad    bool
	}{
		// A plain target weighs 1.
		{in: "/plaintext", target: "/plaintext", weight: 1},
		// A weight after '='.
		{in: "/plaintext=9", target: "/plaintext", weight: 9},
		// A query keeps its '='; a second one on the last parameter is the weight.
		{in: "/sleep?ms=10", target: "/sleep?ms=10", weight: 1},
		{in: "/sleep?ms=10=0.5", target: "/sleep?ms=10", weight: 0.5},
		{in: "/file?name=small.bin&x=1=3", target: "/file?name=small.bin&x=1", weight: 3},
		// Weights must be positive numbers.
		{in: "/plaintext=0", bad: true},
		{in: "/plaintext=heavy", bad: true},
	}
	for _, tt := range tests {
		r, err := ParseRoute(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("%q: no error", tt.in)
			}
			continue
		}
		if err != nil || r != (Route{Target: tt.target, Weight: tt.weight}) {
			t.Errorf("%q: %v %v, want %s weight %g", tt.in, r, err, tt.target, tt.weight)
		}
		if back, err := ParseRoute(r.String()); err != nil || back != r {
			t.Errorf("%q: written as %q, read back as %v %v", tt.in, r.String(), back, err)
		}
	}
}

// readArgs reads args as `loopbench load` does.
func readArgs(t *testing.T, args []string) Config {
	t.Helper()
	var c Config
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.DefineFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	c.Complete()
	return c
}

// TestArgsRoundTrip writes configurations as flags and reads them back:
// a generator given Args is configured as the Config that wrote them.
func TestArgsRoundTrip(t *testing.T) {
	base := Config{Addr: "10.0.0.5:8080", Mode: ModeClosed, Connections: 64, Pipeline: 1, Warmup: time.Second, Duration: 5 * time.Second,
		Timeout: 2 * time.Second, ConnectRate: 500, Seed: 3, Mix: []Route{{Target: "/plaintext", Weight: 1}}}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"closed", func(*Config) {}},
		{"pipelined", func(c *Config) { c.Pipeline = 16 }},
		{"open, two routes", func(c *Config) {
			c.Mode, c.Rate, c.Mix = ModeOpen, 2500.5, []Route{{"/sleep?ms=10", 3}, {"/json", 0.5}}
		}},
		{"idle with an open probe", func(c *Config) { c.Mode, c.IdleConnections, c.Rate = ModeIdle, 10000, 200 }},
		{"an engine chosen", func(c *Config) { c.Engine = EngineGoroutines }},
	}
	for _, tt := range tests {
		want := base
		tt.edit(&want)
		got := readArgs(t, want.Args())
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, want)
		}
	}
	if c := readArgs(t, nil); c.Mode != ModeClosed || len(c.Mix) != 1 || c.Mix[0].Target != "/plaintext" || c.Connections != 64 {
		t.Errorf("no flags: %+v, want a closed loop of GET /plaintext on 64 connections", c)
	}
}

func TestShare(t *testing.T) {
	tests := []struct {
		share             string
		connections, idle int
		rate              float64
		want, wantIdle    int
		wantRate          float64
		bad               bool
	}{
		{share: "1/2", connections: 64, want: 32},
		{share: "1/3", connections: 64, want: 22}, // the first shares take the remainder
		{share: "3/3", connections: 64, want: 21},
		{share: "2/2", connections: 8, rate: 1000, want: 4, wantRate: 500}, // an open loop's rate splits too
		{share: "2/2", connections: 4, idle: 10001, want: 2, wantIdle: 5000},
		{share: "4/4", connections: 2, want: 0}, // nothing left for this generator
		{share: "0/2", bad: true},
		{share: "3/2", bad: true},
		{share: "x", bad: true},
		{share: "1/", bad: true},
	}
	for _, tt := range tests {
		s, err := ParseShare(tt.share)
		if (err != nil) != tt.bad {
			t.Errorf("%q: %v, want error %v", tt.share, err, tt.bad)
			continue
		}
		if err != nil {
			continue
		}
		c := Config{Connections: tt.connections, IdleConnections: tt.idle, Rate: tt.rate, Seed: 1}
		s.Split(&c)
		if c.Connections != tt.want || c.IdleConnections != tt.wantIdle || c.Rate != tt.wantRate || c.Seed != int64(s.I) || s.String() != tt.share {
			t.Errorf("%s: %+v (share %q)", tt.share, c, s.String())
		}
	}
	if (Share{}).String() != "" {
		t.Error("no share is written as something")
	}
}

// FuzzParseRoute: no --route value may crash the parser, and what it
// reads is written back as a value it reads the same.
func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/plaintext", "/sleep?ms=10=3", "=", "?==", "/a=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoute(s)
		if err != nil {
			return
		}
		if back, err := ParseRoute(r.String()); err == nil && back.Weight != r.Weight {
			t.Errorf("%q: weight %g written as %q, read back as %g", s, r.Weight, r.String(), back.Weight)
		}
	})
}

// FuzzParseShare: no --share value may crash the parser or give a share
// outside 1..N.
func FuzzParseShare(f *testing.F) {
	for _, s := range []string{"1/2", "0/0", "-1/2", "9999999999999999999/1", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, err := ParseShare(v)
		if err == nil && (s.I < 1 || s.I > s.N) {
			t.Errorf("%q: read as %+v", v, s)
		}
	})
}
