package httpcheck

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"
)

// routeRequests are one request for every route and for each kind of
// answer the routes give (a deferred operation of every kind, HEAD, a body,
// 404, 405, a refused parameter), each with several header lines so that a
// split can fall inside any of them. None closes its connection, so any
// mix of them can be pipelined.
var routeRequests = []string{
	get("/plaintext"),
	get("/json"),
	get("/sleep?ms=1"),
	get("/upstream?ms=1"),
	get("/file?name=small.bin"),
	get("/cpu?iter=1"),
	"HEAD /plaintext HTTP/1.1\r\nHost: loopbench\r\nUser-Agent: httpcheck\r\nAccept: */*\r\n\r\n",
	get("/nowhere"),
	get("/sleep?ms=bad"),
	"POST /json HTTP/1.1\r\nHost: loopbench\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
}

func get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: loopbench\r\nUser-Agent: httpcheck\r\nAccept: */*\r\n\r\n"
}

// FragmentOptions configure a fragmentation pass.
type FragmentOptions struct {
	// Seed chooses the random segment sizes and pipeline splits.
	Seed uint64
	// Short runs one request of each mode instead of every route in
	// every mode: the quick pass of `make test`.
	Short bool
	// Wait bounds every answer (0: 5 s).
	Wait time.Duration
}

// FragmentResult is what a fragmentation pass found.
type FragmentResult struct {
	// Cases is how many fragmented deliveries were compared.
	Cases int `json:"cases"`
	// Failures name each delivery whose answers differed, or failed.
	Failures []string `json:"failures,omitempty"`
}

// fragCase is one delivery: the requests, pipelined, and how to cut them
// into writes.
type fragCase struct {
	name  string
	reqs  []string
	split func(raw []byte) [][]byte
	pause time.Duration // between writes, so each write arrives on its own
}

// Fragment delivers every route's request in fragments to addr, and 16
// pipelined requests split at random points, and compares each delivery's
// answers with those of the same requests written whole, byte for byte
// once Date is normalised.
func Fragment(ctx context.Context, addr string, o FragmentOptions) FragmentResult {
	if o.Wait <= 0 {
		o.Wait = 5 * time.Second
	}
	var res FragmentResult
	for _, fc := range fragCases(o) {
		if ctx.Err() != nil {
			res.Failures = append(res.Failures, "stopped: "+ctx.Err().Error())
			break
		}
		res.Cases++
		if err := fc.check(addr, o.Wait); err != nil {
			res.Failures = append(res.Failures, fc.name+": "+err.Error())
		}
	}
	return res
}

// fragCases are the deliveries of a pass.
func fragCases(o FragmentOptions) []fragCase {
	rng := rand.New(rand.NewPCG(o.Seed, 0x46524147))
	reqs := routeRequests
	if o.Short {
		reqs = reqs[:1]
	}
	var cs []fragCase
	for _, r := range reqs {
		name := strings.Fields(r)[0] + " " + strings.Fields(r)[1]
		cs = append(cs,
			fragCase{name: name + " in 1-byte writes", reqs: []string{r}, split: bytewise, pause: time.Millisecond},
			fragCase{name: name + " in random segments", reqs: []string{r}, split: randomSegments(rng, 16), pause: 2 * time.Millisecond})
		for _, at := range crlfSplits(r, o.Short) {
			cs = append(cs, fragCase{name: fmt.Sprintf("%s split inside the CRLF at byte %d", name, at), reqs: []string{r},
				split: cutAt(at), pause: 20 * time.Millisecond})
		}
	}
	rounds := 3
	if o.Short {
		rounds = 1
	}
	for i := range rounds {
		pipe := make([]string, 16)
		for j := range pipe {
			pipe[j] = routeRequests[rng.IntN(len(routeRequests))]
		}
		cs = append(cs, fragCase{name: fmt.Sprintf("16 pipelined requests split at random points (round %d)", i+1),
			reqs: pipe, split: randomCuts(rng, 8), pause: 5 * time.Millisecond})
	}
	return cs
}

// check sends fc's requests whole on one connection and fragmented on
// another, and compares the answers.
func (fc fragCase) check(addr string, wait time.Duration) error {
	raw := []byte(strings.Join(fc.reqs, ""))
	whole, err := deliver(addr, [][]byte{raw}, 0, fc.methods(), wait)
	if err != nil {
		return fmt.Errorf("written whole: %w", err)
	}
	parts := fc.split(raw)
	cut, err := deliver(addr, parts, fc.pause, fc.methods(), wait)
	if err != nil {
		return fmt.Errorf("in %d writes: %w", len(parts), err)
	}
	if a, b := Normalize(whole), Normalize(cut); !bytes.Equal(a, b) {
		return fmt.Errorf("in %d writes the answers differ from those to the whole requests: %s", len(parts), firstDifference(a, b))
	}
	return nil
}

func (fc fragCase) methods() []string {
	m := make([]string, len(fc.reqs))
	for i, r := range fc.reqs {
		m[i] = methodOf([]byte(r))
	}
	return m
}

// deliver writes parts on a fresh connection, pausing between writes, and
// returns the bytes of the answers to requests with the given methods.
func deliver(addr string, parts [][]byte, pause time.Duration, methods []string, wait time.Duration) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.(*net.TCPConn).SetNoDelay(true)
	c.SetDeadline(time.Now().Add(wait + time.Duration(len(parts))*pause))
	rec := &recorder{r: c}
	done := make(chan error, 1)
	var got []byte
	go func() {
		br := bufio.NewReader(rec)
		for _, m := range methods {
			if _, err := readFinal(br, m); err != nil {
				done <- fmt.Errorf("answer %d of %d: %w", len(got), len(methods), err)
				return
			}
		}
		got = rec.b[:len(rec.b)-br.Buffered()]
		done <- nil
	}()
	for i, p := range parts {
		if i > 0 && pause > 0 {
			time.Sleep(pause)
		}
		if _, err := c.Write(p); err != nil {
			break // the reader says what the server did
		}
	}
	if err := <-done; err != nil {
		return nil, err
	}
	return got, nil
}

// recorder keeps every byte read through it.
type recorder struct {
	r net.Conn
	b []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.b = append(r.b, p[:n]...)
	return n, err
}

// dateLine matches a Date header line's value.
var dateLine = regexp.MustCompile(`(?mi)^(date:[ \t]*)[^\r\n]*`)

// Normalize replaces the values of Date header lines: the only field that
// legitimately varies between two answers to the same request (every body
// is fixed, and /sleep's states the delay asked for). Any other byte that
// differs is a difference.
func Normalize(b []byte) []byte {
	return dateLine.ReplaceAll(b, []byte("${1}(normalised)"))
}

// firstDifference describes where a and b part.
func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-20)
	return fmt.Sprintf("at byte %d: %q against %q", i, a[from:min(len(a), i+40)], b[from:min(len(b), i+40)])
}

// bytewise cuts raw into single bytes.
func bytewise(raw []byte) [][]byte {
	parts := make([][]byte, len(raw))
	for i := range raw {
		parts[i] = raw[i : i+1]
	}
	return parts
}

// randomSegments cuts raw into segments of 1 to most bytes.
func randomSegments(rng *rand.Rand, most int) func([]byte) [][]byte {
	return func(raw []byte) [][]byte {
		var parts [][]byte
		for len(raw) > 0 {
			n := min(len(raw), 1+rng.IntN(most))
			parts, raw = append(parts, raw[:n]), raw[n:]
		}
		return parts
	}
}

// randomCuts cuts raw at n random points.
func randomCuts(rng *rand.Rand, n int) func([]byte) [][]byte {
	return func(raw []byte) [][]byte {
		at := make([]int, n)
		for i := range at {
			at[i] = 1 + rng.IntN(len(raw)-1)
		}
		return cutAt(at...)(raw)
	}
}

// cutAt cuts raw before each of the offsets given.
func cutAt(at ...int) func([]byte) [][]byte {
	return func(raw []byte) [][]byte {
		var parts [][]byte
		prev := 0
		for _, a := range sortedUnique(at) {
			if a > prev && a < len(raw) {
				parts, prev = append(parts, raw[prev:a]), a
			}
		}
		return append(parts, raw[prev:])
	}
}

// crlfSplits are the offsets just after the CR of each CRLF in the head of
// r: a split there leaves the CR at the end of one write and the LF at the
// start of the next. Short keeps the first and the last (inside the blank
// line that ends the head).
func crlfSplits(r string, short bool) []int {
	head, _, _ := strings.Cut(r, "\r\n\r\n")
	var at []int
	for i := 0; i < len(head); i++ {
		if head[i] == '\r' {
			at = append(at, i+1)
		}
	}
	at = append(at, len(head)+1, len(head)+3)
	if short {
		return []int{at[0], at[len(at)-1]}
	}
	return at
}

func sortedUnique(a []int) []int {
	s := slices.Clone(a)
	slices.Sort(s)
	return slices.Compact(s)
}
