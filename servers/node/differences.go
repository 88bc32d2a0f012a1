package node

// Differences lists where the node model's answers knowingly differ from the
// shared application (app/): Node's own HTTP parser (llhttp) and http module
// decide them. node_test.go's TestBadInput checks every entry that concerns
// a request, with the status each side gives.
var Differences = []string{
	"methods llhttp does not know (FOO, lowercase get) get 400 from Node's parser, not 405",
	"a request target over 8 KiB gets 431, not 414",
	"the 8 KiB header limit counts only the target, header names and values (not the method, version, separators and line ends), so a head slightly over 8 KiB is served where the shared parser answers 431",
	"bytes 0x80-0xFF in the request target get 400 (the shared parser accepts them, so /file answers 404)",
	"a request line without a version is taken as HTTP/0.9 and gets 505, not 400",
	"extra spaces between the parts of the request line and empty lines before it are tolerated (the shared parser answers 400)",
	"identical duplicate Content-Length headers get 400 (the shared parser accepts them)",
	"a Content-Length of 13 or more digits within Node's range is answered and the connection closed, not refused with 400",
	"Transfer-Encoding in which chunked is not last gets 400 (the shared parser answers and closes)",
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
