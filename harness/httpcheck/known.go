package httpcheck

import (
	"slices"
	"strings"
)

// Known is a disagreement with net/http that is allowed: for requests of
// Kind, a model (any, or one of Models) answering Ours where net/http
// answers Ref, with the section of RFC 9112 (or RFC 9110) that allows the
// model's answer, and why the model answers so.
type Known struct {
	Kind string `json:"kind"`
	// Models are the models it applies to; none: any model.
	Models []string `json:"models,omitempty"`
	// Name, when set, is a part of the names of the entries it applies to.
	Name string `json:"name,omitempty"`
	// Ours and Ref are outcomes as Outcome.String writes them ("4xx/closed"),
	// either half "*" for any; an empty one matches any outcome.
	Ours    string `json:"ours"`
	Ref     string `json:"net_http"`
	Section string `json:"section"`
	Why     string `json:"why"`
}

// matches reports whether k allows a model's outcome got where net/http's
// is ref, for a request of kind.
func (k *Known) matches(modelName, kind string, got, ref Outcome) bool {
	return k.Kind == kind && (len(k.Models) == 0 || slices.Contains(k.Models, modelName)) &&
		outcomeMatches(k.Ours, got) && outcomeMatches(k.Ref, ref)
}

// allows reports whether k allows a model's outcome got for entry e, where
// net/http's is ref.
func (k *Known) allows(modelName string, e Entry, got, ref Outcome) bool {
	return k.matches(modelName, e.Kind, got, ref) && strings.Contains(e.Name, k.Name)
}

// outcomeMatches reports whether o matches pattern: "", or "class/conn"
// with either half "*".
func outcomeMatches(pattern string, o Outcome) bool {
	if pattern == "" {
		return true
	}
	class, conn, _ := strings.Cut(pattern, "/")
	return (class == "*" || class == o.Class) && (conn == "*" || conn == o.Conn)
}

// justify returns the Known that allows a disagreement, or nil: the
// shared parser's justification, else a library's known difference.
func justify(modelName string, e Entry, got, ref Outcome) *Known {
	for _, ks := range [][]Known{known, libraryDifferences} {
		for i := range ks {
			if ks[i].allows(modelName, e, got, ref) {
				return &ks[i]
			}
		}
	}
	return nil
}

// KnownDifferences returns every justified disagreement, then the known
// ones of the libraries, for the reports.
func KnownDifferences() []Known { return append(known[:len(known):len(known)], libraryDifferences...) }

// known are the disagreements with net/http that are justified. The rows
// without Models are the shared parser's (app/) answers, which any model
// giving the same answer shares; the others are a library's own parser's,
// and the model's Entry.Differences says so too.
var known = []Known{
	{Kind: KindObsFold, Ours: "4xx/closed", Section: "RFC 9112 §5.2",
		Why: "a server MUST either reject obs-fold with 400 or replace it with spaces; we reject, net/http unfolds"},
	{Kind: KindBareLF, Ours: "4xx/closed", Section: "RFC 9112 §2.2",
		Why: "a recipient MAY recognise a bare LF as a line end; we do not, so the line is malformed (400), as node; net/http reads it and answers the request"},
	{Kind: KindEmptyLines, Ours: "*/kept", Ref: "4xx/closed", Section: "RFC 9112 §2.2",
		Why: "a server SHOULD ignore at least one empty line before a request line, and we answer the request after them; net/http refuses them"},
	{Kind: KindGarbage, Name: "only CRLFs", Ours: "none/waiting", Ref: "4xx/closed", Section: "RFC 9112 §2.2",
		Why: "only empty lines: ignored as the SHOULD says, so the server waits for a request line (its head and idle timeouts bound the wait)"},
	{Kind: KindGarbage, Name: "HTTP/2 preface", Ours: "5xx/closed", Ref: "4xx/closed", Section: "RFC 9110 §15.6.6",
		Why: "the HTTP/2 preface names version 2.0, whose major version we do not support: 505; net/http answers it as its h2c prior-knowledge request"},
	{Kind: KindLength, Name: "over 64 KiB", Ours: "4xx/closed", Ref: "4xx/kept", Section: "RFC 9112 §9.5",
		Why: "a body over 64 KiB is not read: the route answers and the connection closes (a server MAY close at any time), so its bytes are never taken for a request"},
	{Kind: KindEncoding, Ours: "4xx/closed", Ref: "5xx/closed", Section: "RFC 9112 §6.3",
		Why: "when chunked is not the final transfer coding (or not there at all, or applied twice, which §7.1 forbids, or given parameters, which it has none of) the server MUST answer 400 and close; net/http answers 501 for any coding it does not know"},
	{Kind: KindEncoding, Name: ",", Ours: "4xx/kept", Ref: "5xx/closed", Section: "RFC 9110 §5.6.1",
		Why: "a recipient MUST ignore a reasonable number of empty list elements: \",chunked\" and \"chunked ,\" are chunked, which we read; net/http answers 501"},
	{Kind: KindSmuggle, Ours: "4xx/closed", Section: "RFC 9112 §6.1",
		Why: "a server MAY reject a request with both Content-Length and Transfer-Encoding, and MUST close after answering it; we reject (400), net/http frames it by Transfer-Encoding and keeps the connection, so the hidden request is answered"},
	{Kind: KindTarget, Ours: "4xx/closed", Ref: "*/kept", Section: "RFC 9112 §3.2",
		Why: "asterisk-form is OPTIONS's and authority-form CONNECT's alone, so with GET the request line is invalid (400), and userinfo in an http URI a recipient SHOULD treat as an error (RFC 9110 §4.2.4); net/http routes the first two to 404 and drops the userinfo"},
	{Kind: KindTarget, Name: "OPTIONS", Ours: "4xx/kept", Ref: "2xx/kept", Section: "RFC 9110 §15.5.6",
		Why: "OPTIONS * is answered 405 like every method but GET and HEAD; net/http answers it 200 itself"},
	{Kind: KindHTTP10, Ours: "*/closed", Ref: "*/kept", Section: "RFC 9112 §9.6",
		Why: "a server that receives the close connection option MUST close after the answer, whatever else the header says; net/http keeps an HTTP/1.0 connection that also says keep-alive"},
	{Kind: KindLong, Ours: "4xx/closed", Ref: "*/kept", Section: "RFC 9110 §5.4",
		Why: "the head is limited to 8 KiB (414 for a target, 431 for the fields, as RFC 9112 §3 and RFC 9110 §5.4 allow); net/http allows 4 KiB more than the MaxHeaderBytes it is given"},
	{Kind: KindExpect, Ours: "*/kept", Ref: "4xx/closed", Section: "RFC 9110 §10.1.1",
		Why: "a body that came with its head is read and the connection persists; net/http closes when its handler did not read a body it could have asked for with 100 Continue, and answers 417 to an expectation other than 100-continue, which a server MAY do: we ignore it, as node does"},
	{Kind: KindExpect, Ours: "none/waiting", Ref: "4xx/closed", Section: "RFC 9110 §10.1.1",
		Why: "a server MAY answer 417 to an expectation other than 100-continue; we ignore it and wait for the body the request announced (the head timeout bounds the wait)"},
}

// routeNotServed justifies a 404 from a model that serves only some of the
// application's routes, on a request for one it does not serve.
var routeNotServed = Known{Ours: "4xx/*", Section: "RFC 9110 §15.5.5",
	Why: "the model serves only some of the application's routes (its Routes) and answers 404 on the others, keeping or closing the connection as net/http does"}

// notServed reports whether a model that serves the paths serves reports
// answered e with a 404 because it does not serve e's path, doing with
// the connection what net/http did (ref).
func notServed(serves func(string) bool, e Entry, got, ref Outcome) bool {
	if serves == nil || got.Status != 404 || got.Conn != ref.Conn {
		return false
	}
	path, ok := targetPath(e.Raw)
	return ok && !serves(path)
}

// targetPath returns the path of raw's request-target (origin-form or
// absolute-form), without its query.
func targetPath(raw []byte) (string, bool) {
	line, _, _ := strings.Cut(string(raw), "\r\n")
	_, rest, ok := strings.Cut(line, " ")
	if !ok {
		return "", false
	}
	target, _, _ := strings.Cut(rest, " ")
	if len(target) > 7 && strings.EqualFold(target[:7], "http://") {
		_, path, found := strings.Cut(target[7:], "/")
		if !found {
			return "", false
		}
		target = "/" + path
	}
	path, _, _ := strings.Cut(target, "?")
	return path, strings.HasPrefix(path, "/")
}
