package results

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestModelTable reads a run's own table where it recorded one, the table
// of its time where it did not, and writes no "models" field for a run
// without one, so the files of older runs do not change.
func TestModelTable(t *testing.T) {
	old := &Run{}
	if got := old.ModelTable(); len(got) != 6 || got[0].Name != "threaded" || !got[0].HasRole(RoleThreadPerConn) {
		t.Errorf("table of a run that recorded none: %+v", got)
	}
	if v, ok := old.ModelTable()[1].Declares("loops-2"); !ok || strings.Join(v.Flags, " ") != "--loops 2" {
		t.Errorf("eventloop's loops-2 in the table of runs that recorded none: %+v, %v", v, ok)
	}
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"models"`) {
		t.Errorf("a run without a model table writes %s", b)
	}
	own := &Run{Models: []Model{{Name: "mine", Roles: []string{RoleEventLoop}}}}
	if got := own.ModelTable(); len(got) != 1 || got[0].Name != "mine" {
		t.Errorf("table of a run that recorded its own: %+v", got)
	}
	b, err = json.Marshal(own)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"models":[{"name":"mine","roles":["event-loop"]}]`) {
		t.Errorf("a run's model table written as %s", b)
	}
}
