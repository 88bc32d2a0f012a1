package eventloop

import (
	"bufio"
	"testing"

	"loopbench/app"
	"loopbench/servers/model"
)

func TestRoutes(t *testing.T) {
	ts := startServer(t, model.Config{}, nil)
	c := ts.dial(t)
	r := bufio.NewReader(c)
	tests := []struct {
		target string
		status int
		body   string
	}{
		{"/plaintext", 200, "Hello, World!"},
		{"/json", 200, `{"message":"Hello, World!"}`},
		{"/sleep?ms=5", 200, "slept 5 ms"},
		{"/cpu?iter=1", 200, string(app.CPU(1))},
		{"/file?name=small.bin", 200, string(app.DataContent(1 << 10))},
		{"/file?name=nope.bin", 404, "Not Found"},
		{"/upstream?ms=1", 502, "Bad Gateway"},
		{"/nope", 404, "Not Found"},
	}
	for _, tt := range tests {
		status, body := get(t, c, r, tt.target)
		if status != tt.status || body != tt.body {
			t.Errorf("GET %s = %d %.40q, want %d %.40q", tt.target, status, body, tt.status, tt.body)
		}
	}
}
