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
		{"404 that closed", "GET /json HTTP/1.1\r\n\r\n", Outcome{Class: "4xx", Conn: "closed", Status: 404}, plaintextOnly, false},
		{"no target", "GARBAGE\r\n\r\n", notFound, plaintextOnly, false},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\n\r\n", notFound, plaintextOnly, false},
	} {
		if got := notServed(c.serves, Entry{Raw: []byte(c.raw)}, c.got); got != c.want {
			t.Errorf("%s: notServed = %v, want %v", c.name, got, c.want)
		}
	}
}
