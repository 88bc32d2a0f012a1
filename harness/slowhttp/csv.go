// Package slowhttp runs slowhttptest (https://github.com/shekyan/slowhttptest,
// Debian's slowhttptest, installed by scripts/install-slowhttptest.sh) against
// a server: its slow-headers, slow-body, slow-read and range attacks, bounded
// in time and connections, and reads the statistics it writes (-g -o) into
// a timeline: the connections it held each second, those the server closed,
// and whether its probe request was served.
package slowhttp

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Sample is one second of an attack, as slowhttptest's CSV reports it.
type Sample struct {
	Second    int `json:"s"`
	Closed    int `json:"closed"`
	Pending   int `json:"pending"`
	Connected int `json:"connected"`
	// Available: slowhttptest's probe request was answered within its
	// timeout (-p) that second.
	Available bool `json:"available"`
}

// csvHeader is the first line of slowhttptest 1.8's statistics file.
var csvHeader = []string{"Seconds", "Closed", "Pending", "Connected", "Service Available"}

// ErrFormat is wrapped by every error of ParseCSV.
var ErrFormat = errors.New("not a slowhttptest statistics file")

// ParseCSV reads the statistics file slowhttptest writes with -g -o NAME
// (NAME.csv): a header line, then a row per second. The service column
// holds the number of connections asked for while the probe is answered,
// and 0 while it is not.
func ParseCSV(r io.Reader) ([]Sample, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(csvHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	for i, h := range head {
		if strings.TrimSpace(h) != csvHeader[i] {
			return nil, fmt.Errorf("%w: column %d is %q, want %q", ErrFormat, i+1, h, csvHeader[i])
		}
	}
	var out []Sample
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		s, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrFormat, line, err)
		}
		out = append(out, s)
	}
}

func parseRow(rec []string) (Sample, error) {
	var n [5]int
	for i, f := range rec {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 0 {
			return Sample{}, fmt.Errorf("%s is %q, not a count", csvHeader[i], f)
		}
		n[i] = v
	}
	return Sample{Second: n[0], Closed: n[1], Pending: n[2], Connected: n[3], Available: n[4] > 0}, nil
}
