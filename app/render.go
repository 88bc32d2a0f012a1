package app

import (
	"errors"
	"io/fs"
	"strconv"
	"sync/atomic"
	"time"
)

// The fixed bodies. Every model answers with exactly these bytes.
var (
	plaintextBody = []byte("Hello, World!")
	jsonBody      = []byte(`{"message":"Hello, World!"}`)
)

// PlaintextBody and JSONBody return the bodies of /plaintext and /json.
func PlaintextBody() []byte { return plaintextBody }

// JSONBody returns the body of /json.
func JSONBody() []byte { return jsonBody }

const (
	typeText   = "text/plain; charset=utf-8"
	typeJSON   = "application/json"
	typeBinary = "application/octet-stream"
)

// Reply is an answer before it is framed: its status, its Content-Type and
// the body a GET carries (a HEAD answer carries only its length). Route and
// FinishReply give it to a model whose library frames responses itself
// (fasthttp), which sets these fields on the library's response; Handle and
// Finish frame the same answer as HTTP/1.1 bytes.
// Body may alias the fixed bodies, an operation's result or a caller's
// scratch buffer: the caller must not modify it.
type Reply struct {
	Status int
	Type   string
	Body   []byte
}

// maxSleepBody is the longest /sleep body (and /fifo's, which is shorter),
// for any int: Finish renders it into a stack array of this size, so a
// sleep's answer allocates nothing.
const maxSleepBody = len("slept  ms") + 20

// Finish renders the answer of a deferred operation once the model has
// performed it: result is the upstream reply body, the file's contents or the
// CPU key (nil for sleep and fifo); err is the operation's failure, if any.
func Finish(dst []byte, a *Action, result []byte, err error) []byte {
	var scratch [maxSleepBody]byte
	status, ctype, body := finish(scratch[:0], a, result, err)
	return appendResponse(dst, a, status, ctype, body)
}

// FinishReply is Finish for a model that frames responses itself: it returns
// the Reply of a's answer. The /sleep and /fifo bodies are rendered into
// scratch[:0], which the Reply's Body then aliases; other bodies alias
// result or the fixed status texts.
func FinishReply(scratch []byte, a *Action, result []byte, err error) Reply {
	status, ctype, body := finish(scratch, a, result, err)
	return Reply{Status: status, Type: ctype, Body: body}
}

// finish returns the parts of a's answer, as separate results for the
// reason route gives.
func finish(scratch []byte, a *Action, result []byte, err error) (status int, ctype string, body []byte) {
	switch {
	case err != nil && a.Op == OpFile && errors.Is(err, fs.ErrNotExist):
		return statusAnswer(404)
	case err != nil && a.Op == OpFIFO && errors.Is(err, ErrFIFOBusy):
		return statusAnswer(503)
	case err != nil && (a.Op == OpUpstream || a.Op == OpFIFO):
		return statusAnswer(502)
	case err != nil:
		return statusAnswer(500)
	}
	switch a.Op {
	case OpSleep:
		return 200, typeText, AppendSleepBody(scratch[:0], a.Millis)
	case OpFIFO:
		return 200, typeText, AppendFIFOBody(scratch[:0], a.Millis)
	case OpFile:
		return 200, typeBinary, result
	}
	return 200, typeText, result
}

// FinishInline completes, on the caller's thread, an answer that is not
// Deferred: an immediate answer is already in dst, which it returns as it
// is; /cpu without offload is computed here and its answer appended.
func FinishInline(dst []byte, a *Action) []byte {
	if a.Op != OpCPU {
		return dst
	}
	return Finish(dst, a, CPU(a.Iter), nil)
}

// AppendSleepBody appends the body of /sleep?ms=N: "slept N ms".
func AppendSleepBody(dst []byte, ms int) []byte {
	dst = append(dst, "slept "...)
	dst = strconv.AppendInt(dst, int64(ms), 10)
	return append(dst, " ms"...)
}

// AppendError appends the answer to a request Parse refused. The connection
// must be closed after it is written.
func AppendError(dst []byte, err error) []byte {
	a := Action{}
	status := 400
	var e *Error
	if errors.As(err, &e) {
		status = e.Status
	}
	status, ctype, body := statusAnswer(status)
	return appendResponse(dst, &a, status, ctype, body)
}

// statusAnswer is the parts of the answer whose body is the status text.
func statusAnswer(status int) (int, string, []byte) {
	return status, typeText, statusText(status)
}

func appendResponse(dst []byte, a *Action, status int, ctype string, body []byte) []byte {
	dst = appendHead(dst, a, status, ctype, len(body))
	if a.Head {
		return dst
	}
	return append(dst, body...)
}

func appendHead(dst []byte, a *Action, status int, ctype string, n int) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText(status)...)
	dst = append(dst, "\r\nServer: loopbench\r\nDate: "...)
	dst = appendDate(dst)
	dst = append(dst, "\r\nContent-Type: "...)
	dst = append(dst, ctype...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	switch {
	case !a.KeepAlive:
		dst = append(dst, "\r\nConnection: close"...)
	case a.Minor == 0:
		dst = append(dst, "\r\nConnection: keep-alive"...)
	}
	return append(dst, "\r\n\r\n"...)
}

// The status texts, as values so that answering allocates nothing.
var (
	textOK                  = []byte("OK")
	textBadRequest          = []byte("Bad Request")
	textNotFound            = []byte("Not Found")
	textMethodNotAllowed    = []byte("Method Not Allowed")
	textURITooLong          = []byte("URI Too Long")
	textHeaderTooLarge      = []byte("Request Header Fields Too Large")
	textInternalServerError = []byte("Internal Server Error")
	textBadGateway          = []byte("Bad Gateway")
	textRequestTimeout      = []byte("Request Timeout")
	textUnavailable         = []byte("Service Unavailable")
	textNotImplemented      = []byte("Not Implemented")
	textVersionNotSupported = []byte("HTTP Version Not Supported")
	textError               = []byte("Error")
)

func statusText(status int) []byte {
	switch status {
	case 200:
		return textOK
	case 400:
		return textBadRequest
	case 404:
		return textNotFound
	case 405:
		return textMethodNotAllowed
	case 408:
		return textRequestTimeout
	case 414:
		return textURITooLong
	case 431:
		return textHeaderTooLarge
	case 500:
		return textInternalServerError
	case 502:
		return textBadGateway
	case 501:
		return textNotImplemented
	case 503:
		return textUnavailable
	case 505:
		return textVersionNotSupported
	}
	return textError
}

// dateCache holds the Date header value, formatted at most once per second
// by whichever caller first notices the second has changed. It is checked
// against the monotonic clock, which costs one clock read instead of the
// two of time.Now on the hot path.
type dateCache struct {
	at    time.Time     // when text was formatted, with its monotonic reading
	valid time.Duration // how long after at the second changes
	text  [len(httpDate)]byte
}

// httpDate is the IMF-fixdate layout of RFC 9110.
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

var currentDate atomic.Pointer[dateCache]

func appendDate(dst []byte) []byte {
	d := currentDate.Load()
	if d == nil || time.Since(d.at) >= d.valid {
		now := time.Now()
		d = &dateCache{at: now, valid: time.Second - time.Duration(now.Nanosecond())}
		now.UTC().AppendFormat(d.text[:0], httpDate)
		currentDate.Store(d)
	}
	return append(dst, d.text[:]...)
}
