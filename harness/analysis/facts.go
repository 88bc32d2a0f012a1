package analysis

import "fmt"

// facts are the parts of the argument that are facts of the models'
// design rather than measurements: the report states them instead of
// scoring them, and says which experiment measures what they lead to.
func (k cast) facts() []string {
	var out []string
	if len(k.loops) > 0 {
		out = append(out, fmt.Sprintf("Each event-loop model (%s) runs its loop, and every callback on it, on one thread: that is how they are built (servers/eventloop/doc.go; node runs JavaScript on one thread), not a finding. What it costs them on CPU-heavy work is measured by claim 4's experiment (cores) and claim 3's (mixed).", sentence(k.loops)))
	}
	if k.threads != "" {
		out = append(out, fmt.Sprintf("%s gives each connection an OS thread: that is its design, not a finding. What a thread costs is measured by claim 1 (memory per held connection) and claim 2 (waiting at scale).", sentence(k.threadModels())))
	}
	out = append(out, "A thread pool's size is fixed when the server starts (libuv's default is 4, set by UV_THREADPOOL_SIZE; the homemade loop's by --pool): a fact of the design. How far that size bounds the work put on the pool is measured by claim 3's pool experiments.",
		"How many cores a server may use is set by the CPUs the runner gives it: a server given two CPUs that uses two has used what it was given. Claim 4 therefore compares how each model's throughput grows from one CPU to more (its scaling), not the cores each used under one setting.")
	return out
}
