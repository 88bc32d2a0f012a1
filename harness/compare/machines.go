package compare

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"loopbench/harness/machines"
	"loopbench/harness/results"
)

// Machines are the two runs a comparison read, for the description of
// their machines, side by side, that WriteMachines puts before the table.
type Machines struct {
	OldID, NewID string
	Old, New     results.Env
}

// MachinesOf takes the machines of two runs.
func MachinesOf(old, new *results.Run) *Machines {
	return &Machines{OldID: old.ID, NewID: new.ID, Old: old.Env, New: new.Env}
}

// shown reports whether the machines are worth describing: when the
// environments differ, or always when either run was over remote hosts
// (whose machines the environment's own fields do not describe).
func (m *Machines) shown(r *Result) bool {
	return m != nil && (len(r.EnvChanges) > 0 || len(m.Old.Hosts) > 0 || len(m.New.Hosts) > 0)
}

// columns are the machines in the order shown, the old run's first, each
// headed by its run and role ("old: server").
func (m *Machines) columns() (heads []string, hosts []results.Host) {
	for _, side := range []struct {
		name string
		env  results.Env
	}{{"old", m.Old}, {"new", m.New}} {
		for _, h := range machines.Of(side.env) {
			heads = append(heads, side.name+": "+machines.RoleName(h.Role))
			hosts = append(hosts, h)
		}
	}
	return heads, hosts
}

// differences names what differs between the two runs' servers' machines.
func (m *Machines) differences() []string {
	return machines.Differences(machines.Server(m.Old), machines.Server(m.New))
}

// note says which run is which, where each ran, and how the servers'
// machines differ.
func (m *Machines) note() string {
	s := fmt.Sprintf("old is run %s (%s); new is run %s (%s)", or(m.OldID), machines.Placement(m.Old), or(m.NewID), machines.Placement(m.New))
	if d := m.differences(); len(d) > 0 {
		return s + "; the servers' machines differ in " + strings.Join(d, ", ")
	}
	return s + "; the servers' machines are described alike"
}

func or(id string) string {
	if id == "" {
		return "(no id)"
	}
	return id
}

// writeMachinesText writes the machines as aligned columns and a blank line.
func writeMachinesText(w io.Writer, m *Machines) error {
	heads, hosts := m.columns()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "machine\t"+strings.Join(heads, "\t"))
	for _, r := range machines.SideBySide(hosts) {
		if r.Label != "role" {
			fmt.Fprintln(tw, r.Label+"\t"+strings.Join(r.Values, "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s.\n\n", m.note())
	return err
}

// writeMachinesMarkdown writes the machines as a table and a blank line.
func writeMachinesMarkdown(w io.Writer, m *Machines) error {
	heads, hosts := m.columns()
	fmt.Fprintf(w, "| machine | %s |\n|---|%s\n", strings.Join(heads, " | "), strings.Repeat("---|", len(heads)))
	for _, r := range machines.SideBySide(hosts) {
		if r.Label != "role" {
			vals := make([]string, len(r.Values))
			for i, v := range r.Values {
				vals[i] = cell(v)
			}
			fmt.Fprintf(w, "| %s | %s |\n", r.Label, strings.Join(vals, " | "))
		}
	}
	_, err := fmt.Fprintf(w, "\n%s.\n\n", cell(m.note()))
	return err
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// jsonMachines are the machines as --format json writes them.
type jsonMachines struct {
	Old jsonSide `json:"old"`
	New jsonSide `json:"new"`
	// ServerDifferences names the description fields in which the two
	// runs' servers' machines differ.
	ServerDifferences []string `json:"server_differences"`
}

// jsonSide is one run's machines, each with its role.
type jsonSide struct {
	Run       string         `json:"run"`
	Placement string         `json:"placement"`
	Hosts     []results.Host `json:"hosts"`
}

func toJSONMachines(m *Machines) *jsonMachines {
	d := m.differences()
	if d == nil {
		d = []string{}
	}
	return &jsonMachines{
		Old:               jsonSide{Run: m.OldID, Placement: machines.Placement(m.Old), Hosts: machines.Of(m.Old)},
		New:               jsonSide{Run: m.NewID, Placement: machines.Placement(m.New), Hosts: machines.Of(m.New)},
		ServerDifferences: d,
	}
}
