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

// Finish renders the answer of a deferred operation once the model has
// performed it: result is the upstream reply body, the file's contents or the
// CPU key (nil for sleep); err is the operation's failure, if any.
func Finish(dst []byte, a *Action, result []byte, err error) []byte {
	switch {
	case err != nil && a.Op == OpFile && errors.Is(err, fs.ErrNotExist):
		return appendStatus(dst, a, 404)
	case err != nil && a.Op == OpUpstream:
		return appendStatus(dst, a, 502)
	case err != nil:
		return appendStatus(dst, a, 500)
	}
	switch a.Op {
	case OpSleep:
		return appendResponseFunc(dst, a, typeText, sleepBodyLen(a.Millis), func(b []byte) []byte {
			return AppendSleepBody(b, a.Millis)
		})
	case OpFile:
		return appendResponse(dst, a, 200, typeBinary, result)
	}
	return appendResponse(dst, a, 200, typeText, result)
}

// AppendSleepBody appends the body of /sleep?ms=N: "slept N ms".
func AppendSleepBody(dst []byte, ms int) []byte {
	dst = append(dst, "slept "...)
	dst = strconv.AppendInt(dst, int64(ms), 10)
	return append(dst, " ms"...)
}

func sleepBodyLen(ms int) int { return len("slept  ms") + digits(ms) }

func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// AppendError appends the answer to a request Parse refused. The connection
// must be closed after it is written.
func AppendError(dst []byte, err error) []byte {
	a := Action{}
	var e *Error
	if errors.As(err, &e) {
		return appendStatus(dst, &a, e.Status)
	}
	return appendStatus(dst, &a, 400)
}

// appendStatus appends a response whose body is the status text.
func appendStatus(dst []byte, a *Action, status int) []byte {
	return appendResponse(dst, a, status, typeText, statusText(status))
}

func appendResponse(dst []byte, a *Action, status int, ctype string, body []byte) []byte {
	dst = appendHead(dst, a, status, ctype, len(body))
	if a.Head {
		return dst
	}
	return append(dst, body...)
}

func appendResponseFunc(dst []byte, a *Action, ctype string, n int, body func([]byte) []byte) []byte {
	dst = appendHead(dst, a, 200, ctype, n)
	if a.Head {
		return dst
	}
	return body(dst)
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
	case 414:
		return textURITooLong
	case 431:
		return textHeaderTooLarge
	case 500:
		return textInternalServerError
	case 502:
		return textBadGateway
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
