package slowhttp

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Sample
		wantErr bool
	}{
		{name: "slowhttptest 1.8.2's output", in: "Seconds,Closed,Pending,Connected,Service Available\n0,0,1,0,200\n1,0,1,98,200\n4,192,0,8,0\n",
			want: []Sample{{0, 0, 1, 0, true}, {1, 0, 1, 98, true}, {4, 192, 0, 8, false}}},
		{name: "header only", in: "Seconds,Closed,Pending,Connected,Service Available\n", want: nil},
		{name: "empty", in: "", wantErr: true},
		{name: "another header", in: "a,b,c,d,e\n1,2,3,4,5\n", wantErr: true},
		{name: "a negative count", in: "Seconds,Closed,Pending,Connected,Service Available\n0,-1,0,0,0\n", wantErr: true},
		{name: "a short row", in: "Seconds,Closed,Pending,Connected,Service Available\n0,1,2\n", wantErr: true},
		{name: "not a number", in: "Seconds,Closed,Pending,Connected,Service Available\n0,x,0,0,0\n", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseCSV(strings.NewReader(tt.in))
		if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrFormat)) {
			t.Errorf("%s: error %v, want error %v wrapping ErrFormat", tt.name, err, tt.wantErr)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d samples, want %d", tt.name, len(got), len(tt.want))
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: sample %d = %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

// FuzzParseCSV feeds arbitrary bytes to ParseCSV and Summarize: no panic,
// an error that wraps ErrFormat, and counts that are never negative.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("Seconds,Closed,Pending,Connected,Service Available\n0,0,1,0,200\n1,0,1,98,200\n"))
	f.Add([]byte("Seconds,Closed,Pending,Connected,Service Available\n3,97,0,103,0\n"))
	f.Add([]byte("Seconds,Closed\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseCSV(strings.NewReader(string(b)))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for _, x := range s {
			if x.Closed < 0 || x.Pending < 0 || x.Connected < 0 || x.Second < 0 {
				t.Fatalf("negative count in %+v", x)
			}
		}
		r := Result{Samples: s}
		r.summarize()
		_ = r.Summary()
	})
}
