package workload

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// FieldError is a problem with one field of a workload file.
type FieldError struct {
	File    string
	Line    int // 0 when the field's line is not known
	Field   string
	Problem string
	Fix     string
}

// Error reads "FILE:LINE: field "F": PROBLEM (FIX)".
func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return fmt.Sprintf("%s: field %q: %s (%s)", loc, e.Field, e.Problem, e.Fix)
}

// errorf returns a FieldError for field, with its line when it can be found.
func (w *Workload) errorf(field, problem, fix string) error {
	return &FieldError{File: w.File, Line: lineOf(w.Source, field), Field: field, Problem: problem, Fix: fix}
}

var segment = regexp.MustCompile(`^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$`)

// lineOf finds the line that sets a dotted field such as "mix[1].weight" or
// "closed.connections" in a TOML source: it follows the tables and arrays of
// tables named by the path, then looks for "key =". It returns 0 when it
// cannot tell (inline tables, unusual layouts).
func lineOf(src, field string) int {
	lines := strings.Split(src, "\n")
	parts := strings.Split(field, ".")
	from, prefix := 0, ""
	for i, p := range parts {
		m := segment.FindStringSubmatch(p)
		if m == nil {
			return 0
		}
		name := prefix + m[1]
		if i == len(parts)-1 && m[2] == "" {
			return findKey(lines, from, m[1])
		}
		n := 0
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		at := findHeader(lines, from, name, m[2] != "", n)
		if at < 0 {
			return 0
		}
		if i == len(parts)-1 {
			return at + 1
		}
		from, prefix = at+1, name+"."
	}
	return 0
}

// findHeader finds the n-th "[[name]]" (array) or the "[name]" line from start.
func findHeader(lines []string, start int, name string, array bool, n int) int {
	want := "[" + name + "]"
	if array {
		want = "[" + want + "]"
	}
	for i := start; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == want {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return -1
}

// findKey finds "key =" from start up to the next table header.
func findKey(lines []string, start int, key string) int {
	for i := start; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if i > start && strings.HasPrefix(t, "[") {
			return 0
		}
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key {
			return i + 1
		}
	}
	return 0
}
