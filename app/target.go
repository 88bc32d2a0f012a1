package app

import "bytes"

// parseTarget reads the request target in the form the method allows (RFC
// 9112 §3.2): origin-form ("/path?query") for any method; absolute-form
// ("http://host/path?query"), which a server MUST accept, for any method;
// authority-form ("host:port") for CONNECT; asterisk-form ("*") for
// OPTIONS. Path and Query come from the path and query of the first two;
// the other two have no path (the routes refuse their methods anyway).
func parseTarget(method, t []byte, r *Request) error {
	for _, c := range t {
		if c <= ' ' || c == 0x7f {
			return ErrMalformedRequestLine
		}
	}
	switch {
	case t[0] == '/':
	case string(method) == "OPTIONS" && string(t) == "*",
		string(method) == "CONNECT" && bytes.IndexByte(t, '/') < 0:
		r.Path = t
		return nil
	default:
		var ok bool
		if t, ok = absolutePath(t); !ok {
			return ErrBadTarget
		}
	}
	r.Path, r.Query = t, nil
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		r.Path, r.Query = t[:i], t[i+1:]
	}
	return nil
}

// absolutePath returns the path and query of an absolute-form target of
// the http or https scheme (RFC 9110 §4.2), whatever its authority; false
// for another scheme, no authority, or userinfo in the authority, which a
// recipient SHOULD treat as an error (RFC 9110 §4.2.4). The path is empty
// when the target has none.
func absolutePath(t []byte) ([]byte, bool) {
	colon := bytes.IndexByte(t, ':')
	if colon < 0 || !(equalFold(t[:colon], "http") || equalFold(t[:colon], "https")) {
		return nil, false
	}
	rest, ok := bytes.CutPrefix(t[colon+1:], []byte("//"))
	if !ok {
		return nil, false
	}
	end := bytes.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if end == 0 || bytes.IndexByte(rest[:end], '@') >= 0 {
		return nil, false
	}
	return rest[end:], true
}
