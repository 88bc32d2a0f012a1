package main

import (
	"slices"
	"strings"
	"testing"

	"loopbench/harness/syscount"
)

func TestParseSyscallsLevel(t *testing.T) {
	tests := []struct {
		in     string
		conns  int
		pipe   int
		errSub string
	}{
		{in: "64", conns: 64, pipe: 1},            // connections alone
		{in: "256x16", conns: 256, pipe: 16},      // pipelined
		{in: "0", errSub: "CONNECTIONSxPIPELINE"}, // no connection
		{in: "64x0", errSub: "64x0"},              // no request in flight
		{in: "many", errSub: "e.g. 64 or 256x16"},
	}
	for _, tt := range tests {
		lv, err := parseSyscallsLevel(tt.in)
		switch {
		case tt.errSub != "" && (err == nil || !strings.Contains(err.Error(), tt.errSub)):
			t.Errorf("%q: %v, want an error saying %q", tt.in, err, tt.errSub)
		case tt.errSub == "" && (err != nil || lv.conns != tt.conns || lv.pipeline != tt.pipe):
			t.Errorf("%q: %+v, %v; want %d×%d", tt.in, lv, err, tt.conns, tt.pipe)
		}
	}
}

func TestSyscallsRefusesBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--series", "nosuch"}, `unknown model "nosuch"`},
		{[]string{"--series", "eventloop/nosuch"}, `no variant "nosuch"`},
		{[]string{"--levels", "64,x"}, "--levels"},
		{[]string{"--duration", "0s"}, "positive duration"},
		{[]string{"--server-cpus", "a"}, "--server-cpus"},
		{[]string{"extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		_, stderr, code := runCmd(append([]string{"syscalls"}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("syscalls %v: exit %d, %q; want exit 2 and a message saying %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestSyscallsTable(t *testing.T) {
	rep := &syscount.Report{Rows: []syscount.Row{
		{Series: "eventloop", Backend: "epoll", Connections: 64, Pipeline: 1, Requests: 1000, PerRequest: 2.1,
			ByCall: map[string]float64{"read": 1, "write": 1, "epoll_pwait": 0.1, "futex": 0.001, "other": 0}},
		{Series: "eventloop/io-uring", Backend: "io_uring", Connections: 256, Pipeline: 16, Requests: 5000, PerRequest: 0.02,
			ByCall: map[string]float64{"io_uring_enter": 0.015, "other": 0.005}},
	}}
	var b strings.Builder
	rep.Table(&b)
	golden(t, "syscalls-table.golden", b.String())
}

// TestLookupSeriesFlags: a series model/variant serves with the variant's
// flags, so the io-uring series runs the loop on io_uring, not epoll.
func TestLookupSeriesFlags(t *testing.T) {
	_, v, err := lookupSeries("eventloop/io-uring")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(v.Flags, "--io-uring") {
		t.Errorf("eventloop/io-uring serves with flags %q, want --io-uring among them", v.Flags)
	}
	if _, v, _ := lookupSeries("eventloop"); len(v.Flags) != 0 {
		t.Errorf("eventloop serves with flags %q, want none", v.Flags)
	}
}
