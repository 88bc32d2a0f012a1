package deferred

import (
	"bytes"
	"errors"
	"io/fs"
	"testing"
	"time"

	"loopbench/app"
	"loopbench/servers/model"
)

func TestPerform(t *testing.T) {
	dir := t.TempDir()
	if err := app.WriteDataFiles(dir); err != nil {
		t.Fatal(err)
	}
	o := New(model.Config{DataDir: dir})
	defer o.Close()
	tests := []struct {
		name    string
		action  app.Action
		want    []byte
		wantErr error
	}{
		// A short sleep completes with no result.
		{"sleep", app.Action{Op: app.OpSleep, Millis: 1}, nil, nil},
		// A file is read whole from the data directory.
		{"file", app.Action{Op: app.OpFile, Name: "small.bin"}, app.DataContent(1 << 10), nil},
		// A missing file is fs.ErrNotExist, which app.Finish answers 404.
		{"missing file", app.Action{Op: app.OpFile, Name: "none.bin"}, nil, fs.ErrNotExist},
		// /cpu is the PBKDF2 key in hex.
		{"cpu", app.Action{Op: app.OpCPU, Iter: 1}, app.CPU(1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := o.Perform(&tt.action)
			if !errors.Is(err, tt.wantErr) || !bytes.Equal(got, tt.want) {
				t.Errorf("Perform = %d bytes, %v; want %d bytes, %v", len(got), err, len(tt.want), tt.wantErr)
			}
		})
	}
}

// TestSleepEndsOnStop starts a long sleep and stops the operations, as a
// stopping server does: the sleep must end at once with ErrStopped.
func TestSleepEndsOnStop(t *testing.T) {
	o := New(model.Config{})
	defer o.Close()
	done := make(chan error, 1)
	go func() { _, err := o.Perform(&app.Action{Op: app.OpSleep, Millis: 60000}); done <- err }()
	o.Stop()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStopped) {
			t.Errorf("a sleep cut short returned %v, want ErrStopped", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a 60 s sleep did not end when the operations stopped")
	}
}
