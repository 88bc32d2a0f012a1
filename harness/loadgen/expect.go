package loadgen

import (
	"fmt"
	"strings"

	"loopbench/app"
)

// Expectation is what a route must answer: the status and the exact body.
type Expectation struct {
	Status int
	Body   []byte
}

// Expect computes once what target must answer, by running the shared
// application on the request and completing its deferred operation the way
// every model must: "slept N ms" for /sleep, the backend's "upstream N ms"
// for /upstream, the data file's deterministic contents for /file, the
// PBKDF2 key for /cpu and "fifo N ms" for /fifo. A target the application does not answer with 200 OK
// is not part of the suite and is an error.
func Expect(target string) (Expectation, error) {
	if target == "" || target[0] != '/' || strings.ContainsAny(target, " \r\n\t") {
		return Expectation{}, fmt.Errorf("loadgen: target %q: want an absolute path such as /plaintext", target)
	}
	var req app.Request
	raw := []byte("GET " + target + " HTTP/1.1\r\nHost: loopbench\r\n\r\n")
	if _, err := app.Parse(raw, &req); err != nil {
		return Expectation{}, fmt.Errorf("loadgen: target %q: the application refuses it: %v", target, err)
	}
	out, a := app.Handle(nil, &req)
	if a.Op != app.OpNone {
		result, err := perform(&a)
		if err != nil {
			return Expectation{}, fmt.Errorf("loadgen: target %q: %w", target, err)
		}
		out = app.Finish(out, &a, result, nil)
	}
	var h respHead
	n, err := parseHead(out, &h)
	if err != nil || n == 0 || len(out)-n != h.length {
		return Expectation{}, fmt.Errorf("loadgen: target %q: cannot read the application's own answer", target)
	}
	if h.status != 200 {
		return Expectation{}, fmt.Errorf("loadgen: target %q: the application answers it with status %d; use a route of the suite (/plaintext, /json, /sleep?ms=N, /upstream?ms=N, /file?name=F, /cpu?iter=N, /fifo?ms=N)", target, h.status)
	}
	return Expectation{Status: h.status, Body: out[n:]}, nil
}

// perform computes the result of a deferred operation without any I/O.
func perform(a *app.Action) ([]byte, error) {
	switch a.Op {
	case app.OpSleep:
		return nil, nil
	case app.OpUpstream:
		reply := app.AppendUpstreamReply(nil, a.Millis)
		return reply[:len(reply)-1], nil
	case app.OpCPU:
		return app.CPU(a.Iter), nil
	case app.OpFIFO:
		return nil, nil
	case app.OpFile:
		for _, f := range app.DataFiles {
			if f.Name == a.Name {
				return app.DataContent(f.Size), nil
			}
		}
		return nil, fmt.Errorf("no data file %q; the data files are %s", a.Name, dataFileNames())
	}
	return nil, fmt.Errorf("unknown operation %v", a.Op)
}

func dataFileNames() string {
	names := make([]string, len(app.DataFiles))
	for i, f := range app.DataFiles {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
