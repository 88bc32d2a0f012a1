package pthread

// Differences lists where the pthread model knowingly differs from the
// shared application and from the other models. Its parser follows app's
// rules, so bad input gets app's answers.
var Differences = []string{
	"serves /plaintext and /sleep only: the shared application's other routes (/json, /upstream, /file, /cpu) answer 404, and the harness and the conformance suite send it none of them",
	"SIGTERM ends the process at once: idle connections close, requests in flight (a /sleep) are dropped without an answer",
	"no statistics file; --data, --backend, --pool, --loops, --cpu-offload, --max-unsent and --inject-cpu do not apply",
	"it is a separate program (bin/loopbench-pthread, built by make build with the machine's C compiler); loopbench finds it beside its own executable or through LOOPBENCH_PTHREAD_BIN",
}

// Bounds says how the server bounds what a hostile client can take (see
// model.Config and `loopbench torture`).
var Bounds = []string{
	"head timeout: before each read within a request, SO_RCVTIMEO is set to what is left of --head-timeout; past it 408, then a lingering close (at most 1 s and 256 KiB)",
	"idle timeout: SO_RCVTIMEO between requests, and SO_SNDTIMEO on every write, so a client that takes no byte of an answer for --idle-timeout is closed",
	"unsent output: answers go out in blocking writes of at most 4 KiB gathered; a client that does not read blocks only its own thread, and its requests stay in the kernel",
	"out of threads (--max-threads, or pthread_create failing) or descriptors: the connection is answered 503 and closed (descriptors through a spare one, libuv's EMFILE trick); the accept thread waits in poll(2) meanwhile, never spins",
	"a slowloris connection costs a thread (and the touched pages of its stack) until the head timeout",
}
