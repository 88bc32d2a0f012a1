package model

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestStatsRoundTrip writes readings of two loops out of order and reads
// them back in the order they were taken, with the whole-life figures.
func TestStatsRoundTrip(t *testing.T) {
	const t0 = int64(1_700_000_000_123) * int64(time.Millisecond)
	ms := int64(time.Millisecond)
	rs := []LagReading{
		{UnixNano: t0 + 20*ms + 400_000, LateUs: 30}, // loop 0; the sub-millisecond part is dropped
		{UnixNano: t0 + 10*ms, LateUs: 10},           // loop 0
		{UnixNano: t0 + 15*ms, LateUs: 250_000},      // loop 1, blocked for a quarter second
	}
	in := Stats{LoopLag: LoopLag{P50: 0.01, P99: 250, Max: 250}, Loops: 2, Backend: "io_uring",
		Readings: PackLagReadings(10*time.Millisecond, rs, 7)}
	path := filepath.Join(t.TempDir(), "stats.json")
	if err := WriteStats(path, in); err != nil {
		t.Fatal(err)
	}
	out, ok, err := ReadStats(path)
	if err != nil || !ok {
		t.Fatalf("ReadStats: ok %v, %v", ok, err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("read back %+v (readings %+v), wrote %+v (readings %+v)", out, out.Readings, in, in.Readings)
	}
	r := out.Readings
	want := []LagReading{{t0 + 10*ms, 10}, {t0 + 15*ms, 250_000}, {t0 + 20*ms, 30}}
	if r.Len() != len(want) || r.IntervalMs != 10 || r.Dropped != 7 {
		t.Fatalf("readings %+v: want %d every 10 ms, 7 dropped", r, len(want))
	}
	for i, w := range want {
		if got := r.Reading(i); got != w {
			t.Errorf("reading %d = %+v, want %+v", i, got, w)
		}
	}
}

// TestReadStatsFiles reads files as older servers and damaged ones left
// them: an old file keeps its figures without readings; a damaged one is
// an error naming the file and the field.
func TestReadStatsFiles(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
		want       Stats  // when ok
		err        string // in the error, when not ok
	}{
		// Written before servers kept their readings (and by node then, without loops or backend).
		{"old", `{"loop_lag":{"p50_ms":1,"p99_ms":2,"max_ms":3}}`, true, Stats{LoopLag: LoopLag{1, 2, 3}}, ""},
		{"old indented", "{\n  \"loop_lag\": {\"p50_ms\": 1, \"p99_ms\": 2, \"max_ms\": 3},\n  \"loops\": 2,\n  \"backend\": \"epoll\"\n}\n", true,
			Stats{LoopLag: LoopLag{1, 2, 3}, Loops: 2, Backend: "epoll"}, ""},
		// A model that measures nothing writes nothing.
		{"empty", "", false, Stats{}, ""},
		{"no loop_lag", `{"loops":1}`, false, Stats{}, "no loop_lag"},
		{"unpaired", `{"loop_lag":{},"lag_readings":{"interval_ms":10,"start_unix_ms":5,"at_ms":[0,10],"late_us":[1]}}`, false, Stats{}, "at_ms has 2 values and late_us 1"},
		{"negative", `{"loop_lag":{},"lag_readings":{"interval_ms":10,"start_unix_ms":5,"at_ms":[0],"late_us":[-4]}}`, false, Stats{}, "late_us[0] is -4"},
		{"no interval", `{"loop_lag":{},"lag_readings":{"start_unix_ms":5,"at_ms":[],"late_us":[]}}`, false, Stats{}, "interval_ms 0"},
		{"not JSON", `{"loop_lag":`, false, Stats{}, "unexpected end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stats.json")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			got, ok, err := ReadStats(path)
			switch {
			case tt.ok && (err != nil || !ok || !reflect.DeepEqual(got, tt.want)):
				t.Errorf("ReadStats = %+v, %v, %v; want %+v", got, ok, err, tt.want)
			case !tt.ok && ok:
				t.Errorf("ReadStats = %+v, ok; want not ok", got)
			case tt.err == "" && err != nil:
				t.Errorf("ReadStats: %v, want no error", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path)):
				t.Errorf("ReadStats: %v; want an error naming %s and %q", err, path, tt.err)
			}
		})
	}
}

// TestPackNoReadings: a server that took no reading writes empty arrays.
func TestPackNoReadings(t *testing.T) {
	r := PackLagReadings(10*time.Millisecond, nil, 0)
	if r.Len() != 0 || r.AtMs == nil || r.LateUs == nil || r.check() != nil {
		t.Errorf("no readings packed as %+v (%v)", r, r.check())
	}
}

// FuzzParseStats: no content crashes the reader, and readings it accepts
// can all be read.
func FuzzParseStats(f *testing.F) {
	f.Add([]byte(`{"loop_lag":{"p50_ms":1,"p99_ms":2,"max_ms":3}}`))
	f.Add([]byte(`{"loop_lag":{},"loops":2,"backend":"epoll","lag_readings":{"interval_ms":10,"start_unix_ms":1700000000000,"at_ms":[0,10,21],"late_us":[5,40,1000],"dropped":3}}`))
	f.Add([]byte(`{"loop_lag":{},"lag_readings":{"interval_ms":10,"at_ms":[0],"late_us":[]}}`))
	f.Add([]byte(`{"loop_lag":null,"lag_readings":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok, err := ParseStats(b, "fuzz.json")
		if ok != (err == nil && len(b) > 0) {
			t.Fatalf("ok %v with error %v for %q", ok, err, b)
		}
		if r := s.Readings; ok && r != nil {
			for i := range r.Len() {
				if r.Reading(i).LateUs < 0 {
					t.Fatalf("reading %d of %q is negative", i, b)
				}
			}
		}
	})
}
