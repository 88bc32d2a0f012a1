package loadgen

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/harness/results"
)

func TestExpect(t *testing.T) {
	tests := []struct {
		target string
		body   []byte // nil: an error is expected
	}{
		// The fixed bodies.
		{"/plaintext", app.PlaintextBody()},
		{"/json", app.JSONBody()},
		// Deferred operations, completed the way every model must.
		{"/sleep?ms=10", []byte("slept 10 ms")},
		{"/upstream?ms=5", []byte("upstream 5 ms")},
		{"/cpu?iter=10", app.CPU(10)},
		{"/file?name=medium.bin", app.DataContent(64 << 10)},
		{"/fifo?ms=20", []byte("fifo 20 ms")},
		// Not routes of the suite.
		{"/fifo?ms=60001", nil},
		{"/nope", nil},
		{"/sleep?ms=-1", nil},
		{"/file?name=missing.bin", nil},
		{"/file?name=../etc/passwd", nil},
		{"plaintext", nil},
		{"/plain text", nil},
		{"", nil},
	}
	for _, tt := range tests {
		exp, err := Expect(tt.target)
		if tt.body == nil {
			if err == nil {
				t.Errorf("Expect(%q): no error", tt.target)
			}
			continue
		}
		if err != nil || exp.Status != 200 || !bytes.Equal(exp.Body, tt.body) {
			t.Errorf("Expect(%q) = %d %.40q, %v; want 200 %.40q", tt.target, exp.Status, exp.Body, err, tt.body)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	ok := func() Config {
		return Config{Addr: "127.0.0.1:1", Mix: []Route{{"/plaintext", 1}}, Mode: ModeClosed, Connections: 1, Duration: time.Second}
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // in the error
	}{
		// Each row breaks one field; the error names it.
		{"address", func(c *Config) { c.Addr = "localhost" }, "host:port"},
		{"empty mix", func(c *Config) { c.Mix = nil }, "mix is empty"},
		{"weight", func(c *Config) { c.Mix[0].Weight = 0 }, "weight"},
		{"unknown route", func(c *Config) { c.Mix[0].Target = "/nope" }, "/nope"},
		{"mode", func(c *Config) { c.Mode = "sideways" }, "mode"},
		{"connections", func(c *Config) { c.Connections = 0 }, "connections"},
		{"duration", func(c *Config) { c.Duration = 0 }, "duration"},
		{"open without rate", func(c *Config) { c.Mode = ModeOpen }, "rate"},
		{"open pipelined", func(c *Config) { c.Mode, c.Rate, c.Pipeline = ModeOpen, 10, 4 }, "pipeline"},
		{"replay without trace", func(c *Config) { c.Mode = ModeReplay }, "trace is empty"},
		{"trace route", func(c *Config) { c.Mode, c.Trace = ModeReplay, []TraceEntry{{Route: 3}} }, "route 3"},
		{"trace order", func(c *Config) {
			c.Mode, c.Trace = ModeReplay, []TraceEntry{{At: time.Second}, {At: 0}}
		}, "sort"},
		{"idle count", func(c *Config) { c.Mode = ModeIdle }, "idle"},
	}
	for _, tt := range tests {
		cfg := ok()
		tt.change(&cfg)
		_, err := Run(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

// TestPoint checks the conversion into the results schema.
func TestPoint(t *testing.T) {
	s := startServer(t, faultStatus, 4)
	res := mustRun(t, short(s.addr(), "/plaintext", "/json"))
	var p results.Point
	res.Point(&p)
	if p.Requests != res.Requests || p.Throughput <= 0 || p.Duration < 0.4 {
		t.Errorf("point requests %d throughput %v duration %v", p.Requests, p.Throughput, p.Duration)
	}
	if len(p.Routes) != 2 || p.Routes[0].Route != "/plaintext" || p.Routes[0].Requests+p.Routes[1].Requests != p.Requests {
		t.Errorf("routes %+v", p.Routes)
	}
	if p.Status["503"] == 0 || p.Status["200"] != p.Requests || p.Errors["status"] != p.Status["503"] {
		t.Errorf("status %v errors %v", p.Status, p.Errors)
	}
	h, err := results.DecodeHistogram(p.Latency.Histogram)
	if err != nil || h.TotalCount() != p.Requests || p.Latency.P99 < p.Latency.P50 {
		t.Errorf("latency %+v, decoded %v", p.Latency, err)
	}
}
