package slowhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Attack is one of slowhttptest's test modes, with the options it runs with.
type Attack struct {
	// Name is the torture scenario's suffix: slow-headers, slow-body,
	// slow-read or range.
	Name string
	// Mode is slowhttptest's flag: -H, -B, -X or -R.
	Mode string
	// Target is the path attacked.
	Target string
	// Extra are the mode's own options.
	Extra []string
	// MustClose: the server must close every connection before the test's
	// time runs out (a slow head or body runs into the head timeout); the
	// other attacks hold connections legitimately (a client reading a
	// large answer slowly).
	MustClose bool
	// Length is the test's length in seconds at scale 1.
	Length int
}

// Attacks are the four, in the order a torture run takes them. The slow
// read takes the 64 KiB file through a receive window of 1 to 512 bytes,
// 32 bytes a second, three requests a connection.
var Attacks = []Attack{
	{Name: "slow-headers", Mode: "-H", Target: "/plaintext", Extra: []string{"-i", "1"}, MustClose: true, Length: 15},
	{Name: "slow-body", Mode: "-B", Target: "/plaintext", Extra: []string{"-i", "1", "-s", "8192"}, MustClose: true, Length: 15},
	{Name: "slow-read", Mode: "-X", Target: "/file?name=medium.bin", Extra: []string{"-k", "3", "-n", "1", "-w", "1", "-y", "512", "-z", "32"}, Length: 10},
	{Name: "range", Mode: "-R", Target: "/file?name=medium.bin", Extra: []string{"-a", "5", "-b", "2000"}, Length: 10},
}

// Options bound one attack.
type Options struct {
	Attack Attack
	// Addr is the server's host:port (127.0.0.1 only: the attack is local).
	Addr string
	// Conns and Rate are slowhttptest's -c and -r: how many connections,
	// opened how many a second.
	Conns, Rate int
	// Length is the test's length (-l), at least 1 s.
	Length time.Duration
	// ProbeTimeout is -p: how long its probe request may take before the
	// service counts as unavailable that second.
	ProbeTimeout time.Duration
}

// ErrNotInstalled is returned when there is no slowhttptest on PATH.
var ErrNotInstalled = errors.New("slowhttptest not found on PATH (install it with scripts/install-slowhttptest.sh, as make torture does)")

// Result is what one attack measured.
type Result struct {
	Attack string `json:"attack"`
	// ExitStatus is slowhttptest's last word ("No open connections left",
	// "Hit test time limit", ...).
	ExitStatus string   `json:"exit_status"`
	Samples    []Sample `json:"samples"`
	// PeakConnected is the most connections held at once; Closed those
	// the server (or the attack) closed by the end; Denied the seconds
	// whose probe was not answered; AllClosedAt the second by which no
	// connection was left (-1: never).
	PeakConnected int  `json:"peak_connected"`
	Closed        int  `json:"closed"`
	Denied        int  `json:"denied_seconds"`
	AllClosedAt   int  `json:"all_closed_at"`
	MustClose     bool `json:"must_close"`
}

// Run runs the attack against o.Addr and reads its statistics.
func Run(ctx context.Context, o Options) (Result, error) {
	bin, err := exec.LookPath("slowhttptest")
	if err != nil {
		return Result{}, ErrNotInstalled
	}
	dir, err := os.MkdirTemp("", "slowhttptest-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	prefix := filepath.Join(dir, "stats")
	ctx, cancel := context.WithTimeout(ctx, o.Length+30*time.Second) // slowhttptest stops itself at -l; this is the backstop
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args(o, prefix)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	r := Result{Attack: o.Attack.Name, ExitStatus: exitStatus(out.String()), MustClose: o.Attack.MustClose}
	f, err := os.Open(prefix + ".csv")
	if err != nil {
		return r, fmt.Errorf("slowhttptest %s wrote no statistics (%v; it said: %.300s)", o.Attack.Mode, errors.Join(runErr, err), tail(out.String()))
	}
	defer f.Close()
	if r.Samples, err = ParseCSV(f); err != nil {
		return r, fmt.Errorf("%s.csv: %w", prefix, err)
	}
	r.summarize()
	return r, nil
}

// args are slowhttptest's arguments for o, writing its statistics to
// prefix.csv and prefix.html.
func args(o Options, prefix string) []string {
	a := []string{o.Attack.Mode, "-c", strconv.Itoa(o.Conns), "-r", strconv.Itoa(o.Rate),
		"-l", strconv.Itoa(max(1, int(o.Length.Seconds()))), "-p", strconv.Itoa(max(1, int(o.ProbeTimeout.Seconds()))),
		"-u", "http://" + o.Addr + o.Attack.Target, "-g", "-o", prefix}
	return append(a, o.Attack.Extra...)
}

// ansi matches the colour escapes slowhttptest prints.
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// exitStatus is the text after "Exit status:" in slowhttptest's output.
func exitStatus(out string) string {
	out = ansi.ReplaceAllString(out, "")
	i := strings.LastIndex(out, "Exit status:")
	if i < 0 {
		return "none"
	}
	line, _, _ := strings.Cut(out[i+len("Exit status:"):], "\n")
	return strings.TrimSpace(line)
}

func tail(s string) string {
	s = strings.TrimSpace(ansi.ReplaceAllString(s, ""))
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}

// summarize derives the figures of the samples.
func (r *Result) summarize() {
	r.AllClosedAt, r.PeakConnected, r.Denied, r.Closed = -1, 0, 0, 0
	for _, s := range r.Samples {
		r.PeakConnected = max(r.PeakConnected, s.Connected)
		r.Closed = max(r.Closed, s.Closed)
		if !s.Available {
			r.Denied++
		}
		if s.Connected == 0 && s.Pending == 0 && r.PeakConnected > 0 && r.AllClosedAt < 0 {
			r.AllClosedAt = s.Second
		}
		if s.Connected > 0 {
			r.AllClosedAt = -1
		}
	}
}

// noneLeft is how slowhttptest ends when every connection has closed
// before its time ran out (its last second is not always a row of the
// statistics).
const noneLeft = "No open connections left"

// allClosed reports whether every connection had closed at the end.
func (r Result) allClosed() bool {
	return r.AllClosedAt >= 0 || strings.Contains(r.ExitStatus, noneLeft)
}

// Summary is the result in one line.
func (r Result) Summary() string {
	closed := "connections still open at the end"
	switch {
	case r.AllClosedAt >= 0:
		closed = fmt.Sprintf("every connection closed by second %d", r.AllClosedAt)
	case r.allClosed():
		closed = fmt.Sprintf("every connection closed after second %d", len(r.Samples)-1)
	}
	return fmt.Sprintf("slowhttptest %s: peak %d connections held, %d closed, %s; service denied %d of %d seconds; it ended: %s",
		r.Attack, r.PeakConnected, r.Closed, closed, r.Denied, len(r.Samples), r.ExitStatus)
}

// Verdict is nil when the server withstood the attack: its probe was
// served every second, and, for an attack the head timeout must end, no
// connection was left open.
func (r Result) Verdict() error {
	var errs []error
	if r.Denied > 0 {
		errs = append(errs, fmt.Errorf("slowhttptest %s: service denied %d of %d seconds", r.Attack, r.Denied, len(r.Samples)))
	}
	if r.MustClose && !r.allClosed() {
		errs = append(errs, fmt.Errorf("slowhttptest %s: the server left connections open to the end (%s)", r.Attack, r.ExitStatus))
	}
	if len(r.Samples) == 0 {
		errs = append(errs, fmt.Errorf("slowhttptest %s: no statistics", r.Attack))
	}
	return errors.Join(errs...)
}
