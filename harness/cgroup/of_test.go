package cgroup

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestOf finds the group of a process that has one of its own, and refuses
// the group of one that shares it.
func TestOf(t *testing.T) {
	g, err := Create(fmt.Sprintf("loopbench-of-test-%d", os.Getpid()))
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer g.Remove()
	argv := g.Wrap([]string{"sleep", "5"})
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	var found *Group
	for range 100 { // the wrapper joins the group before it execs sleep
		if found, err = Of(cmd.Process.Pid); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if found.Layout != g.Layout || fmt.Sprint(found.Dirs()) != fmt.Sprint(g.Dirs()) {
		t.Errorf("Of: %s %v, want %s %v", found.Layout, found.Dirs(), g.Layout, g.Dirs())
	}
	if _, err := found.Read(); err != nil {
		t.Error(err)
	}
	if err := found.Remove(); err != nil || !exists(g.Dirs()[0]) {
		t.Errorf("Remove of a group found by Of: %v; it must leave the group to its owner", err)
	}
	shared := exec.Command("sleep", "5") // in this process's group, with this process
	if err := shared.Start(); err != nil {
		t.Fatal(err)
	}
	defer shared.Wait()
	defer shared.Process.Kill()
	if _, err := Of(shared.Process.Pid); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Of a process sharing its group: %v, want ErrUnavailable", err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
