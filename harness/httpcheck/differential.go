package httpcheck

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DiffOptions configure a differential run.
type DiffOptions struct {
	// Wait bounds each answer (0: 2 s): a request unanswered by then is
	// "waiting".
	Wait time.Duration
	// Workers is how many requests are in flight at once (0: 16).
	Workers int
	// Serves reports whether the model serves a path (nil: every path). A
	// model that serves only some of the application's routes answers 404
	// on the others, which is then no disagreement with net/http.
	Serves func(path string) bool
}

func (o DiffOptions) withDefaults() DiffOptions {
	if o.Wait <= 0 {
		o.Wait = 2 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	return o
}

// Measure sends every entry to addr, each on a connection of its own, and
// returns the outcomes in the entries' order. An entry whose connection
// could not even be opened gets Class "error" and the reason in Conn.
func Measure(ctx context.Context, addr string, entries []Entry, o DiffOptions) []Outcome {
	o = o.withDefaults()
	out := make([]Outcome, len(entries))
	next := make(chan int)
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Go(func() {
			for i := range next {
				oc, err := Exchange(addr, entries[i].Raw, o.Wait)
				if err != nil {
					oc = Outcome{Class: ClassError, Conn: err.Error()}
				}
				out[i] = oc
			}
		})
	}
	for i := range entries {
		if ctx.Err() != nil {
			out[i] = Outcome{Class: ClassError, Conn: ctx.Err().Error()}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// ClassError marks an outcome that could not be measured.
const ClassError = "error"

// Refs are the references' outcomes for a corpus, measured once and
// compared with every model's.
type Refs struct {
	Entries []Entry
	NetHTTP []Outcome
	// Node is nil when node could not run; NodeNote then says why.
	Node     []Outcome
	NodeNote string
}

// MeasureRefs serves the references (net/http, and node where it runs)
// one after the other and measures entries on each.
func MeasureRefs(ctx context.Context, entries []Entry, dataDir string, o DiffOptions) (*Refs, error) {
	refs := &Refs{Entries: entries}
	nh, err := StartNetHTTP(dataDir)
	if err != nil {
		return nil, fmt.Errorf("net/http reference: %w", err)
	}
	refs.NetHTTP = Measure(ctx, nh.Addr, entries, o)
	if err := nh.Stop(); err != nil {
		return nil, fmt.Errorf("net/http reference: %w", err)
	}
	nd, err := StartNode(dataDir)
	if err != nil {
		refs.NodeNote = "node not compared: " + err.Error()
		return refs, nil
	}
	refs.Node = Measure(ctx, nd.Addr, entries, o)
	if err := nd.Stop(); err != nil {
		return nil, fmt.Errorf("node reference: %w", err)
	}
	return refs, nil
}

// Verdict is one entry on which a model and net/http disagree.
type Verdict struct {
	Entry string  `json:"entry"`
	Kind  string  `json:"kind"`
	Got   Outcome `json:"got"`
	Ref   Outcome `json:"net_http"`
	// Node is node's outcome, when node ran.
	Node *Outcome `json:"node,omitempty"`
	// Known is the justification, for a justified disagreement.
	Known *Known `json:"known,omitempty"`
}

// DiffResult is a model against the references over a corpus.
type DiffResult struct {
	Entries int `json:"entries"`
	// Agree counts the entries on which the model and net/http agree.
	Agree int `json:"agree"`
	// Justified and Unjustified are the disagreements with net/http.
	Justified   []Verdict `json:"justified,omitempty"`
	Unjustified []Verdict `json:"unjustified,omitempty"`
	// NodeAgree counts the entries on which the model and node agree, of
	// NodeCompared (0 when node did not run).
	NodeAgree    int `json:"node_agree"`
	NodeCompared int `json:"node_compared"`
	// Errors are entries that could not be measured.
	Errors []string `json:"errors,omitempty"`
}

// Compare measures the corpus of refs on the model at addr and compares
// its outcomes with the references'.
func Compare(ctx context.Context, modelName, addr string, refs *Refs, o DiffOptions) DiffResult {
	got := Measure(ctx, addr, refs.Entries, o)
	return judge(modelName, refs, got, o.Serves)
}

// judge compares a model's outcomes with the references'; serves, when
// set, says which paths the model serves.
func judge(modelName string, refs *Refs, got []Outcome, serves func(string) bool) DiffResult {
	res := DiffResult{Entries: len(refs.Entries)}
	for i, e := range refs.Entries {
		g, ref := got[i], refs.NetHTTP[i]
		if g.Class == ClassError || ref.Class == ClassError {
			res.Errors = append(res.Errors, fmt.Sprintf("%s: model %s, net/http %s", e.Name, g, ref))
			continue
		}
		if refs.Node != nil && refs.Node[i].Class != ClassError {
			res.NodeCompared++
			if g.Same(refs.Node[i]) {
				res.NodeAgree++
			}
		}
		if g.Same(ref) {
			res.Agree++
			continue
		}
		v := Verdict{Entry: e.Name, Kind: e.Kind, Got: g, Ref: ref}
		if refs.Node != nil {
			n := refs.Node[i]
			v.Node = &n
		}
		if k := justify(modelName, e, g, ref); k != nil || notServed(serves, e, g, ref) {
			if k == nil {
				k = &routeNotServed
			}
			v.Known = k
			res.Justified = append(res.Justified, v)
		} else {
			res.Unjustified = append(res.Unjustified, v)
		}
	}
	return res
}

// Passed reports whether every disagreement with net/http is justified
// and every entry was measured.
func (r DiffResult) Passed() bool { return len(r.Unjustified) == 0 && len(r.Errors) == 0 }

// Summary is the result in one line.
func (r DiffResult) Summary() string {
	s := fmt.Sprintf("%d requests: %d as net/http, %d justified differences, %d unjustified", r.Entries, r.Agree, len(r.Justified), len(r.Unjustified))
	if r.NodeCompared > 0 {
		s += fmt.Sprintf("; %d of %d as node", r.NodeAgree, r.NodeCompared)
	}
	if len(r.Errors) > 0 {
		s += fmt.Sprintf("; %d not measured", len(r.Errors))
	}
	return s
}
