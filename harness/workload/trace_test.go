package workload

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseTrace(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // substring of the error; "" for success
		n    int    // lines parsed on success
	}{
		// Comments, blank lines and fractional offsets.
		{"ok", "# c\n\n0 /plaintext\n1.5 /json\n1.5 /sleep?ms=10\n", "", 3},
		// Three fields.
		{"extra field", "0 /plaintext x\n", `t.trace:1: bad trace: want "OFFSET_MS TARGET"`, 0},
		// A negative offset.
		{"negative", "-1 /plaintext\n", "t.trace:1:", 0},
		// Not a number.
		{"nan", "NaN /plaintext\n", "not a number of milliseconds", 0},
		// Going back in time names the line.
		{"unsorted", "5 /plaintext\n4 /plaintext\n", "t.trace:2:", 0},
		// An unknown route.
		{"route", "0 /nope\n", "404", 0},
		// Nothing in it.
		{"empty", "# only a comment\n", "no requests", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := ParseTrace("t.trace", strings.NewReader(tt.in))
			if tt.want == "" {
				if err != nil || len(lines) != tt.n {
					t.Fatalf("got %d lines, %v; want %d lines", len(lines), err, tt.n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrTrace) {
				t.Fatalf("got %v, want an ErrTrace containing %q", err, tt.want)
			}
		})
	}
}

func TestReplayWorkload(t *testing.T) {
	w, err := Find("../../workloads/extra", "replay")
	if err != nil {
		t.Fatal(err)
	}
	targets, index := w.TraceRoutes()
	if len(w.Trace) < 1000 || len(targets) != 3 || len(index) != len(w.Trace) {
		t.Fatalf("trace: %d lines, targets %v", len(w.Trace), targets)
	}
	if last := w.Trace[len(w.Trace)-1].At; last > w.Duration.Duration {
		t.Errorf("the trace ends at %v, after the duration %v", last, w.Duration.Duration)
	}
	if w.Trace[0].At != 0 || w.Trace[1].At != 5*time.Millisecond {
		t.Errorf("first offsets: %v %v", w.Trace[0].At, w.Trace[1].At)
	}
}

func FuzzParseTrace(f *testing.F) {
	f.Add("0 /plaintext\n1.5 /json\n")
	f.Add("# comment\n\n10 /sleep?ms=10\n")
	f.Add("5 /plaintext\n4 /plaintext\n")
	f.Add("1e308 /plaintext\n")
	f.Add("0 /file?name=medium.bin\n0x10 /cpu?iter=5\n")
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := ParseTrace("fuzz", strings.NewReader(in))
		if err != nil {
			return
		}
		for i, l := range lines {
			if l.At < 0 || l.At > MaxTraceOffset || (i > 0 && l.At < lines[i-1].At) {
				t.Fatalf("line %d: offset %v out of order or range", i, l.At)
			}
			if CheckTarget(l.Target) != nil {
				t.Fatalf("line %d: accepted an invalid target %q", i, l.Target)
			}
		}
	})
}
