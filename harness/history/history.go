// Package history keeps a project's benchmark figures over its commits, as
// JSON lines: one Record per measured commit (one CI run on the main
// branch, say), with the machine that measured it and, per point and
// metric, the commit's median and, when the run was an A/B run against
// its parent, the paired ratio. A plain text file that only grows is easy
// to keep where CI can read and write it (a branch of its own, an
// artifact) and to read with anything. Series gathers a history into one
// series per point and metric, and Changes finds where each changed.
package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// Schema is the version of the record format Append writes and Read reads.
const Schema = 1

// Record is one measured commit.
type Record struct {
	Schema int `json:"schema"`
	// Commit is the revision measured; Base, when the run was an A/B run,
	// the revision it was paired against (its parent on the main branch).
	Commit string `json:"commit"`
	Base   string `json:"base,omitempty"`
	// Ref is the branch, Run the run's ID (its results directory's name).
	Ref string `json:"ref,omitempty"`
	Run string `json:"run,omitempty"`
	// Time is when the run started.
	Time    time.Time `json:"time"`
	Machine Machine   `json:"machine"`
	Rows    []Row     `json:"rows"`
}

// Machine describes what measured a record. Fingerprint is a hash of the
// fields that change the figures (not the host's name, which a CI runner
// draws afresh): only records with one fingerprint are compared.
type Machine struct {
	Fingerprint string `json:"fingerprint"`
	Host        string `json:"host,omitempty"`
	CPUModel    string `json:"cpu_model,omitempty"`
	Cores       int    `json:"cores,omitempty"`
	MemoryGiB   int    `json:"memory_gib,omitempty"`
	Kernel      string `json:"kernel,omitempty"`
	Hypervisor  string `json:"hypervisor,omitempty"`
	GoVersion   string `json:"go_version,omitempty"`
	ServerCPUs  string `json:"server_cpus,omitempty"`
	ClientCPUs  string `json:"client_cpus,omitempty"`
}

// Row is one point and metric of a record.
type Row struct {
	Workload string `json:"workload"`
	Model    string `json:"model"`
	Variant  string `json:"variant,omitempty"`
	Level    string `json:"level"`
	Metric   string `json:"metric"`
	Unit     string `json:"unit,omitempty"`
	// HigherBetter says which way is better (throughput).
	HigherBetter bool `json:"higher_better,omitempty"`
	// Test is "paired" or "unpaired" for an A/B run, "" for a plain run.
	Test string `json:"test,omitempty"`
	// Head is the commit's median with its 95% interval; Base the base's,
	// for an A/B run.
	Head Stat  `json:"head"`
	Base *Stat `json:"base,omitempty"`
	// Ratio is head/base over the A/B run's back-to-back pairs; P its
	// test's p-value.
	Ratio *Stat    `json:"ratio,omitempty"`
	P     *float64 `json:"p,omitempty"`
	// ClientBound counts repetitions left out as client-bound.
	ClientBound int `json:"client_bound,omitempty"`
}

// Stat is a median (or a paired ratio's center) with its 95% interval
// where there is one, over N repetitions or pairs. N 0: no figure.
type Stat struct {
	Median float64  `json:"median"`
	Lo     *float64 `json:"ci_lo,omitempty"`
	Hi     *float64 `json:"ci_hi,omitempty"`
	N      int      `json:"n"`
}

// Append adds rec to the history file at path as one line, creating the
// file if need be, after a newline if the file lacks a final one.
func Append(path string, rec Record) error {
	rec.Schema = Schema
	if err := rec.check(); err != nil {
		return fmt.Errorf("%s: the new record: %w", path, err)
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte("\n"), line...)
		}
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// ReadFile reads the history at path.
func ReadFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// maxLine bounds one record's line (a record of every workload and model
// is tens of kilobytes).
const maxLine = 16 << 20

// Read reads records, one JSON object a line (blank lines are skipped);
// name is the file's name for errors, which give the line, the field and
// the fix.
func Read(r io.Reader, name string) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var recs []Record
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%s:%d: not a history record: %v; each line must be one JSON object as `loopbench history --append` writes it", name, n, err)
		}
		if err := rec.check(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: a line longer than %d MiB: not a history file", name, maxLine>>20)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return recs, nil
}

// check says what is wrong with a record, naming the field.
func (r *Record) check() error {
	switch {
	case r.Schema != Schema:
		return fmt.Errorf("field schema is %d; this loopbench reads schema %d (write the history with the same version)", r.Schema, Schema)
	case r.Commit == "":
		return errors.New("field commit is empty: each record names the commit it measured")
	case r.Time.IsZero():
		return errors.New("field time is missing: each record says when it was measured")
	case r.Machine.Fingerprint == "":
		return errors.New("field machine.fingerprint is empty: records are compared only within one machine")
	}
	for i, row := range r.Rows {
		if err := row.check(); err != nil {
			return fmt.Errorf("rows[%d]: %w", i, err)
		}
	}
	return nil
}

func (r *Row) check() error {
	switch {
	case r.Workload == "" || r.Model == "" || r.Level == "" || r.Metric == "":
		return errors.New("fields workload, model, level and metric must not be empty")
	case r.Head.N < 0:
		return errors.New("field head.n is negative")
	}
	for _, s := range []*Stat{&r.Head, r.Base, r.Ratio} {
		if s != nil && (math.IsNaN(s.Median) || math.IsInf(s.Median, 0)) {
			return errors.New("a median is not a finite number")
		}
	}
	if r.Ratio != nil && r.Ratio.N > 0 && r.Ratio.Median <= 0 {
		return fmt.Errorf("field ratio.median is %g: a ratio is positive", r.Ratio.Median)
	}
	return nil
}
