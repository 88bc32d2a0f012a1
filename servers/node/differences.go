package node

// Differences lists where the node model's answers knowingly differ from the
// shared application (app/): Node's own HTTP parser (llhttp) and http module
// decide them. node_test.go's TestBadInput checks every entry that concerns
// a request, with the status each side gives.
var Differences = []string{
	"llhttp refuses methods it does not know (FOO, lowercase get) with 400 and closes, where the routes answer 405",
	"Node hands CONNECT to the server's 'connect' event, which server.js does not handle, so the socket is closed unanswered",
	"a request target over 8 KiB gets 431, not 414",
	"the 8 KiB header limit counts only the target, header names and values (not the method, version, separators and line ends), so a head slightly over 8 KiB is served where the shared parser answers 431",
	"llhttp refuses bytes 0x80-0xFF in the request target, which the others pass on (the routes then answer the path or 404)",
	"server.js refuses every target that does not start with / (400 and close), absolute-form included, which a server MUST accept",
	"a request line without a version is taken as HTTP/0.9 and gets 505, not 400",
	"llhttp tolerates extra spaces between the parts of the request line",
	"llhttp knows HTTP/1.0 and 1.1 only: a higher minor version gets 505 instead of being read as 1.1",
	"identical duplicate Content-Length lines get 400, which RFC 9110 allows (the shared parser and net/http accept them)",
	"a Content-Length of 13 or more digits within Node's range is answered and the connection closed, not refused with 400",
	"Node answers once the head has come, before the body the request announced, and then reads that body from the next request's bytes",
	"Node sends 100 Continue and then reads the body the request announced, so the check's next request is taken as that body",
	"Node closes the connection after answering a request whose chunked body the application did not read, and answers before a chunked body is complete",
	"Node closes the connection after answering a request whose chunked body the application did not read",
	"Node checks only that an HTTP/1.1 request has a Host, not that it has one alone nor that its value is valid",
	"a request whose Transfer-Encoding lacks chunked (gzip alone) is answered with the route's status (405) and the connection closed, where RFC 9112 §6.3 wants 400",
	"HTTP/1.0 with \"Connection: keep-alive, close\" stays open (in the shared parser close wins)",
	"responses carry Connection: keep-alive on HTTP/1.1 too, and the headers come in another order (Date after Content-Length)",
	"/file refuses a symbolic link in the data directory (500) rather than following it inside the directory as os.Root does",
	"one event loop and libuv's thread pool (--pool, default 4); --loops and --max-threads are ignored",
	"on stop, requests in flight get 2 s to finish before their connections are closed",
}

// Bounds says how Node bounds what a hostile client can take, as server.js
// sets it up (see model.Config and `loopbench torture`).
var Bounds = []string{
	"head timeout: Node's headersTimeout and requestTimeout, enforced when Node next checks its connections (server.js sets connectionsCheckingInterval to a quarter of --head-timeout, at most 1 s; Node's default is 30 s), so a slow head may be cut that much late",
	"idle timeout: keepAliveTimeout between requests and the socket timeout (server.timeout) for a client that takes no byte of its answers; the socket timeout also runs while a request waits (a /sleep or /upstream), so --idle-timeout below such a wait cuts the request, where the other models set no deadline while the server owes the answer",
	"unsent output: Node's own: it pauses a pipelining client's parser while the socket needs a drain (--max-unsent is not used)",
	"out of descriptors: libuv's own EMFILE trick refuses pending connections with a spare descriptor",
}
