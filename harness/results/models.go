package results

import "slices"

// Model is one row of the model table a run was measured with: what the
// run's readers (analysis, plot, report, compare) need of a model, recorded
// by the runner from the server registry (servers.Entry) as plain data, so
// that a stored run is read with the roles and styles it was measured with,
// not today's, and so that its readers depend on no server package.
type Model struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Roles are the parts the model plays in the claims (RoleThreadPerConn
	// and the others); none for a model measured only for comparison.
	Roles []string `json:"roles,omitempty"`
	// Style is how every chart draws the model.
	Style Style `json:"style,omitzero"`
	// Variants are the configurations beside the default that the model
	// declares, each with the `loopbench serve` flags that make it.
	Variants []Variant `json:"variants,omitempty"`
	// Routes are the paths the model serves, where it serves only some
	// (the pthread reference); none means every route of the application.
	Routes []string `json:"routes,omitempty"`
}

// Style is how every chart draws a model, so that a reader who learns
// "node is the orange triangle" once can read every other chart.
type Style struct {
	// Color is "#RRGGBB"; empty for a model without a style of its own,
	// which charts then draw in a colour and marker from a hash of its name.
	Color string `json:"color,omitempty"`
	// Marker names the outline of the model's points: circle, square,
	// diamond, triangle-up, triangle-down or hexagon.
	Marker string `json:"marker,omitempty"`
}

// Variant is a configuration a model declares beside its default, as the
// workload files name it, and the `loopbench serve` flags that make it.
type Variant struct {
	Name  string   `json:"name"`
	Flags []string `json:"flags,omitempty"`
}

// The roles the claims look for, by which they find their models, never by
// name (servers.Role has the same values).
const (
	// RoleThreadPerConn is the baseline every event loop is held against:
	// one OS thread per connection, blocking syscalls.
	RoleThreadPerConn = "thread-per-connection"
	// RoleEventLoop marks the event-loop side of the argument: a single
	// loop thread with non-blocking I/O and a thread pool for what would
	// block. Claims 1, 2 and 4 test each of these models against
	// RoleThreadPerConn.
	RoleEventLoop = "event-loop"
	// RoleHomemade is the homemade libuv-style loop that claim 5 is about.
	RoleHomemade = "homemade"
	// RoleReference is the real libuv, the measure of the homemade loop.
	RoleReference = "libuv-reference"
	// RoleLoopLibrary is an event-loop library that claim 5 measures the
	// homemade loop against, beside the reference.
	RoleLoopLibrary = "loop-library"
	// RoleThreadReference is a thread per connection written without Go's
	// runtime (the C pthread server): beside RoleThreadPerConn, it tells
	// how much of that model's cost is the OS thread and how much is Go's.
	RoleThreadReference = "thread-reference"
)

// HasRole reports whether the model plays role r.
func (m *Model) HasRole(r string) bool { return slices.Contains(m.Roles, r) }

// Declares returns the variant called name that the model declares.
func (m *Model) Declares(name string) (Variant, bool) {
	i := slices.IndexFunc(m.Variants, func(v Variant) bool { return v.Name == name })
	if i < 0 {
		return Variant{}, false
	}
	return m.Variants[i], true
}

// ModelTable is the model table the run was measured with, in the order
// reports and chart legends list its models: the run's own Models, or, for
// a run written before runs recorded them, the table as it stood then
// (tableBeforeRecording).
func (r *Run) ModelTable() []Model {
	if len(r.Models) > 0 {
		return r.Models
	}
	return slices.Clone(tableBeforeRecording)
}

// tableBeforeRecording is the server registry's table (servers.All) as it
// stood when runs began to record theirs in Run.Models, as data. It exists
// for the runs stored before then, which carry no table: they are read with
// the roles, styles and variants they were measured with, exactly as
// before, without their readers importing the server packages. It is not
// the registry: a change to a model's row there changes the runs measured
// after it, never this table.
var tableBeforeRecording = []Model{
	{Name: "threaded", Description: "one OS thread per connection, blocking syscalls",
		Roles: []string{RoleThreadPerConn}, Style: Style{"#D55E00", "square"}},
	{Name: "eventloop", Description: "homemade libuv: epoll loop on one OS thread + thread pool",
		Roles: []string{RoleEventLoop, RoleHomemade}, Style: Style{"#0072B2", "circle"}, Variants: []Variant{cpuOffload, twoLoops}},
	{Name: "gnet", Description: "github.com/panjf2000/gnet/v2 event loop, goroutine pool for deferred work",
		Roles: []string{RoleLoopLibrary}, Style: Style{"#009E73", "diamond"}, Variants: []Variant{cpuOffload, twoLoops}},
	{Name: "evio", Description: "github.com/tidwall/evio event loop, deferred work woken back onto the loop",
		Roles: []string{RoleLoopLibrary}, Style: Style{"#CC79A7", "triangle-down"}, Variants: []Variant{cpuOffload, twoLoops}},
	{Name: "fasthttp", Description: "github.com/valyala/fasthttp: goroutine per connection on Go's netpoller",
		Style: Style{"#565656", "hexagon"}},
	{Name: "node", Description: "Node.js http module: the real libuv, as the reference",
		Roles: []string{RoleEventLoop, RoleReference}, Style: Style{"#E69F00", "triangle-up"}, Variants: []Variant{cpuOffload}},
}

// The variants of tableBeforeRecording.
var (
	cpuOffload = Variant{Name: "cpu-offload", Flags: []string{"--cpu-offload"}}
	twoLoops   = Variant{Name: "loops-2", Flags: []string{"--loops", "2"}}
)
