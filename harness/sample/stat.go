package sample

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat. The kernel
// reports them in USER_HZ, which is 100 on every Linux architecture Go runs
// on (sysconf(_SC_CLK_TCK) returns the same constant).
const clockTick = 10 * time.Millisecond

// ProcStat is what /proc/PID/stat says of a process that the harness reads:
// its command name, its state and its CPU times so far.
type ProcStat struct {
	Name  string // the command name, field 2, without its parentheses
	State string // field 3: "R", "S", "Z" (a zombie)...
	// User and Sys are utime and stime, fields 14 and 15.
	User, Sys time.Duration
}

// ParseStat reads the content of a /proc/PID/stat file. The command name
// in field 2 may hold spaces and parentheses, so the fields after it are
// counted from the last ')'.
func ParseStat(b []byte) (ProcStat, error) {
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return ProcStat{}, errors.New("no command name")
	}
	f := bytes.Fields(b[close+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return ProcStat{}, fmt.Errorf("%d fields, want at least 15", len(f)+2)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return ProcStat{}, err
	}
	return ProcStat{Name: string(b[open+1 : close]), State: string(f[0]),
		User: time.Duration(utime) * clockTick, Sys: time.Duration(stime) * clockTick}, nil
}
