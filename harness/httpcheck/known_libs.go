package httpcheck

// libraryDifferences are the disagreements with net/http of the models
// whose library parses HTTP itself: not justified by us, known, and listed
// in the model's Entry.Differences (servers/fasthttp, servers/node), which
// `loopbench models` prints. Section is the part of the RFCs the answer
// concerns.
var libraryDifferences = []Known{
	{Kind: KindVersion, Models: []string{"fasthttp"}, Ours: "*/closed", Section: "RFC 9110 §2.5",
		Why: "fasthttp serves every version but HTTP/1.1 as HTTP/1.0 (answer, then close): 1.2 is not read as 1.1, 2.0 and 0.9 get no 505"},
	{Kind: KindBareLF, Models: []string{"fasthttp"}, Ours: "none/waiting", Section: "RFC 9112 §2.2",
		Why: "fasthttp never answers a head whose lines end in a bare LF: it waits for more bytes"},
	{Kind: KindEncoding, Models: []string{"fasthttp"}, Ours: "4xx/desync", Ref: "5xx/closed", Section: "RFC 9112 §6.3",
		Why: "fasthttp takes Transfer-Encoding: identity as no body at all, so the chunked bytes that follow are read as the next request"},
	{Kind: KindHost, Models: []string{"fasthttp"}, Ours: "4xx/closed", Ref: "*/kept", Section: "RFC 9112 §3.2",
		Why: "fasthttp refuses an empty Host, which RFC 9112 allows when the target has no authority"},
	{Kind: KindHost, Models: []string{"fasthttp"}, Ours: "*/kept", Ref: "4xx/closed", Section: "RFC 9112 §3.2",
		Why: "fasthttp accepts a Host value with userinfo (a@b), which is no uri-host"},
	{Kind: KindWhitespace, Models: []string{"fasthttp"}, Ours: "2xx/kept", Ref: "4xx/closed", Section: "RFC 9112 §5",
		Why: "fasthttp accepts a header name with a space inside, which is no token"},
	{Kind: KindTarget, Models: []string{"fasthttp"}, Ours: "4xx/kept", Ref: "2xx/kept", Section: "RFC 9112 §3.2.2",
		Why: "an absolute-form target is passed whole to the routes, which answer 404: the shared parser reads its path"},
	{Kind: KindLength, Models: []string{"fasthttp", "node"}, Ours: "4xx/closed", Ref: "4xx/kept", Section: "RFC 9110 §8.6",
		Why: "identical duplicate Content-Length lines get 400, which RFC 9110 allows (the shared parser and net/http accept them)"},
	{Kind: KindTarget, Models: []string{"node"}, Ours: "4xx/closed", Section: "RFC 9112 §3.2.2",
		Why: "server.js refuses every target that does not start with / (400 and close), absolute-form included, which a server MUST accept"},
	{Kind: KindMethod, Models: []string{"node"}, Ours: "4xx/closed", Ref: "4xx/kept", Section: "RFC 9110 §9.1",
		Why: "llhttp refuses methods it does not know (FOO, lowercase get) with 400 and closes, where the routes answer 405"},
	{Kind: KindMethod, Models: []string{"node"}, Ours: "none/closed-without-answer", Ref: "4xx/kept", Section: "RFC 9110 §9.3.6",
		Why: "Node hands CONNECT to the server's 'connect' event, which server.js does not handle, so the socket is closed unanswered"},
	{Kind: KindExpect, Models: []string{"node"}, Ours: "4xx/desync", Section: "RFC 9110 §10.1.1",
		Why: "Node sends 100 Continue and then reads the body the request announced, so the check's next request is taken as that body"},
	{Kind: KindLength, Models: []string{"node"}, Ours: "4xx/desync", Ref: "none/waiting", Section: "RFC 9112 §6.3",
		Why: "Node answers once the head has come, before the body the request announced, and then reads that body from the next request's bytes"},
	{Kind: KindHost, Models: []string{"node"}, Ours: "*/kept", Ref: "4xx/closed", Section: "RFC 9112 §3.2",
		Why: "Node checks only that an HTTP/1.1 request has a Host, not that it has one alone nor that its value is valid"},
	{Kind: KindChunked, Models: []string{"node"}, Ours: "4xx/closed", Section: "RFC 9112 §9.5",
		Why: "Node closes the connection after answering a request whose chunked body the application did not read, and answers before a chunked body is complete"},
	{Kind: KindEncoding, Models: []string{"node"}, Ours: "4xx/closed", Ref: "*/kept", Section: "RFC 9112 §9.5",
		Why: "Node closes the connection after answering a request whose chunked body the application did not read"},
	{Kind: KindVersion, Models: []string{"node"}, Ours: "5xx/closed", Section: "RFC 9110 §2.5",
		Why: "llhttp knows HTTP/1.0 and 1.1 only: a higher minor version gets 505 instead of being read as 1.1"},
	{Kind: KindWhitespace, Models: []string{"node"}, Ours: "*/kept", Ref: "4xx/closed", Section: "RFC 9112 §3",
		Why: "llhttp tolerates extra spaces between the parts of the request line"},
	{Kind: KindControl, Models: []string{"node"}, Ours: "4xx/closed", Ref: "2xx/kept", Section: "RFC 9112 §3.2",
		Why: "llhttp refuses bytes 0x80-0xFF in the request target, which the others pass on (the routes then answer the path or 404)"},
}
