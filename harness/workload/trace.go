package workload

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"loopbench/app"
)

// CheckTarget reports whether target is a request the application answers
// with 200: it parses and routes the request exactly as every model does, so
// a typo in a route or an out-of-range parameter is caught before a run.
func CheckTarget(target string) error {
	if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n") {
		return fmt.Errorf("%q is not a request target (it must start with / and hold no spaces)", target)
	}
	raw := "GET " + target + " HTTP/1.1\r\nHost: loopbench\r\n\r\n"
	var req app.Request
	n, err := app.Parse([]byte(raw), &req)
	if err != nil || n == 0 {
		return fmt.Errorf("%q is not a valid request target", target)
	}
	out, a := app.Handle(nil, &req)
	if a.Op == app.OpNone {
		if !bytes.HasPrefix(out, []byte("HTTP/1.1 200 ")) {
			status, _, _ := bytes.Cut(out, []byte("\r\n"))
			return fmt.Errorf("%q is answered %q", target, status)
		}
		return nil
	}
	if a.Op == app.OpFile && !isDataFile(a.Name) {
		return fmt.Errorf("%q names no data file (they are %s)", target, dataFileNames())
	}
	return nil
}

func isDataFile(name string) bool {
	for _, f := range app.DataFiles {
		if f.Name == name {
			return true
		}
	}
	return false
}

func dataFileNames() string {
	names := make([]string, len(app.DataFiles))
	for i, f := range app.DataFiles {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// TraceLine is one request of a trace: when to send it, counted from the
// start of the replay, and its target.
type TraceLine struct {
	At     time.Duration
	Target string
}

// ErrTrace is wrapped by every trace syntax error.
var ErrTrace = errors.New("bad trace")

// MaxTraceOffset bounds a trace's offsets (one hour).
const MaxTraceOffset = time.Hour

// ParseTrace reads a trace: one request per line, "OFFSET_MS TARGET", with
// offsets in milliseconds from the start (decimals allowed) that never go
// back in time. Blank lines and lines starting with # are ignored. Errors
// name the file and the line.
func ParseTrace(name string, r io.Reader) ([]TraceLine, error) {
	var lines []TraceLine
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		l, err := parseTraceLine(text)
		if err == nil && len(lines) > 0 && l.At < lines[len(lines)-1].At {
			err = fmt.Errorf("%w: offset %v is before the previous line's %v (sort the trace by time)", ErrTrace, l.At, lines[len(lines)-1].At)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: %w: no requests (write one \"OFFSET_MS TARGET\" per line)", name, ErrTrace)
	}
	return lines, nil
}

func parseTraceLine(text string) (TraceLine, error) {
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return TraceLine{}, fmt.Errorf("%w: want \"OFFSET_MS TARGET\", got %q", ErrTrace, text)
	}
	ms, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || math.IsNaN(ms) || ms < 0 || ms > float64(MaxTraceOffset/time.Millisecond) {
		return TraceLine{}, fmt.Errorf("%w: offset %q is not a number of milliseconds from 0 to %d", ErrTrace, fields[0], MaxTraceOffset/time.Millisecond)
	}
	if err := CheckTarget(fields[1]); err != nil {
		return TraceLine{}, fmt.Errorf("%w: %v", ErrTrace, err)
	}
	return TraceLine{At: time.Duration(ms * float64(time.Millisecond)), Target: fields[1]}, nil
}

// loadTrace reads the replay's trace file, relative to the workload file.
func (w *Workload) loadTrace() error {
	path := w.TracePath()
	f, err := os.Open(path)
	if err != nil {
		return w.errorf("replay.trace", err.Error(), "name a trace file relative to the workload file")
	}
	defer f.Close()
	w.Trace, err = ParseTrace(path, f)
	if err != nil {
		return err
	}
	for _, l := range w.Trace {
		if err := w.checkNeeds("replay.trace", l.Target); err != nil {
			return err
		}
	}
	return w.checkFIFOSlots()
}

// TracePath is the replay's trace file path.
func (w *Workload) TracePath() string {
	return filepath.Join(filepath.Dir(w.File), w.Replay.Trace)
}

// TraceRoutes returns the distinct targets of the trace, in order of first
// use, and for each trace line the index of its target: the mix and the
// entries a replay sends.
func (w *Workload) TraceRoutes() (targets []string, index []int) {
	seen := map[string]int{}
	index = make([]int, len(w.Trace))
	for i, l := range w.Trace {
		j, ok := seen[l.Target]
		if !ok {
			j = len(targets)
			seen[l.Target] = j
			targets = append(targets, l.Target)
		}
		index[i] = j
	}
	return targets, index
}
