package sample

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		line string
		want ProcStat
		bad  bool
	}{
		// A plain command name.
		{line: "42 (loopbench) S 1 42 42 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 7 0", want: ProcStat{Name: "loopbench", State: "S", User: 1500 * time.Millisecond, Sys: 250 * time.Millisecond}},
		// A name with spaces and parentheses: fields count from the last ')'.
		{line: "7 (a (b) c) Z 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", want: ProcStat{Name: "a (b) c", State: "Z", User: 30 * time.Millisecond, Sys: 40 * time.Millisecond}},
		// Too few fields, no name, a time that is not a number.
		{line: "1 (x) S 1 2 3", bad: true},
		{line: "1 x S 1 2 3 4 5 6 7 8 9 10 11 12 13", bad: true},
		{line: "1 (x) S 1 2 3 4 5 6 7 8 9 10 u 12 13", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseStat([]byte(tt.line))
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseStat(%q) = %+v, %v; want %+v (error %v)", tt.line, got, err, tt.want, tt.bad)
		}
	}
}

// FuzzParseStat feeds ParseStat any line: no input may crash it.
func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (loopbench) S 1 42 42 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 7 0"))
	f.Add([]byte("7 (a) b) Z 1"))
	f.Add([]byte(")("))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseStat(b)
	})
}
