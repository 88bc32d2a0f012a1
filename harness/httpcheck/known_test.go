package httpcheck

import "testing"

func TestNotServed(t *testing.T) {
	plaintextOnly := func(p string) bool { return p == "/plaintext" }
	notFound := Outcome{Class: "4xx", Conn: ConnKept, Status: 404}
	for _, c := range []struct {
		name   string
		raw    string
		got    Outcome
		serves func(string) bool
		want   bool
	}{
		{"route not served", "GET /json?a=1 HTTP/1.1\r\n\r\n", notFound, plaintextOnly, true},
		{"absolute-form", "GET http://h:8080/json?x=1 HTTP/1.1\r\n\r\n", notFound, plaintextOnly, true},
		{"route served", "GET /plaintext HTTP/1.1\r\n\r\n", notFound, plaintextOnly, false},
		{"every route served", "GET /json HTTP/1.1\r\n\r\n", notFound, nil, false},
		{"400, not 404", "GET /json HTTP/1.1\r\n\r\n", Outcome{Class: "4xx", Conn: ConnKept, Status: 400}, plaintextOnly, false},
		{"404 that closed where net/http kept", "GET /json HTTP/1.1\r\n\r\n", Outcome{Class: "4xx", Conn: "closed", Status: 404}, plaintextOnly, false},
		{"absolute-form in capitals", "GET HTTP://H/json HTTP/1.1\r\n\r\n", notFound, plaintextOnly, true},
		{"no target", "GARBAGE\r\n\r\n", notFound, plaintextOnly, false},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\n\r\n", notFound, plaintextOnly, false},
	} {
		if got := notServed(c.serves, Entry{Raw: []byte(c.raw)}, c.got, Outcome{Class: "2xx", Conn: ConnKept, Status: 200}); got != c.want {
			t.Errorf("%s: notServed = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestNotServedClosing: a 404 that closes, where net/http closed too (an
// HTTP/1.0 request, Connection: close), is the route not served.
func TestNotServedClosing(t *testing.T) {
	closed := Outcome{Class: "4xx", Conn: "closed", Status: 404}
	e := Entry{Raw: []byte("GET /json HTTP/1.0\r\nConnection: close\r\n\r\n")}
	if !notServed(func(p string) bool { return p == "/plaintext" }, e, closed, Outcome{Class: "2xx", Conn: "closed", Status: 200}) {
		t.Error("a 404 closing as net/http closed is not taken for the route not served")
	}
}
