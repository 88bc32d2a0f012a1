/*
 * http.h is the pthread model's HTTP/1.1: a parser with the rules of
 * app/request.go, header.go, target.go and body.go (request.c, header.c,
 * body.c) and the answers of app/route.go and render.go (http.c), byte
 * for byte, for the routes the model serves. Like app/, it does no I/O.
 */
#ifndef LOOPBENCH_PTHREAD_HTTP_H
#define LOOPBENCH_PTHREAD_HTTP_H

#include <stddef.h>

/* The limits of app/request.go and app/route.go. */
enum {
	MAX_HEADER_BYTES = 8 << 10,
	MAX_BODY_BYTES = 64 << 10,
	MAX_MILLIS = 60000,
	/* More than the longest answer http_render writes. */
	MAX_ANSWER = 512,
};

enum method { METHOD_OTHER, METHOD_GET, METHOD_HEAD };

/* request is one parsed request. Its pointers alias the parsed buffer. */
struct request {
	enum method method;
	const char *path, *query; /* the target before '?', and after it */
	size_t path_len, query_len;
	int minor;                /* the HTTP minor version: 0 or 1 */
	int keep_alive;           /* the connection may carry another request */
	int body_unread;          /* a body was not consumed: the answer closes */
	long long content_length; /* -1: none */
};

/* frame is how an answer is framed: app.Action's Head, KeepAlive and Minor. */
struct frame {
	int head, keep_alive, minor;
};

/* http_parse parses one request from the start of b[0:n], as app.Parse
 * does: it returns the bytes the request occupies (empty lines before it,
 * head and body) once it is complete, 0 when more bytes are needed, or
 * minus the status of a refusal (400, 414, 431, 501 or 505), after which
 * the connection closes. A request expecting 100-continue does not wait
 * for its body (RFC 9110 §10.1.1): a body not all there with the head is
 * left unread (body_unread), as one over the limits is. */
long http_parse(const char *b, size_t n, struct request *r);

/* http_route decides the answer to r: it sets *f, and returns the status
 * of an immediate answer, or 0 for /sleep, whose milliseconds it stores
 * in *sleep_ms. */
int http_route(const struct request *r, struct frame *f, long *sleep_ms);

/* http_init prepares the Date header: call it once before serving, so
 * that no connection's thread opens a file for it (the time zone data). */
void http_init(void);

/* http_render writes an answer with the status text as its body into dst,
 * which holds MAX_ANSWER bytes, and returns its length; http_render_ok
 * writes a 200 answer with body b[0:n] (n at most 64). */
size_t http_render(char *dst, struct frame f, int status);
size_t http_render_ok(char *dst, struct frame f, const char *b, size_t n);

/* PLAINTEXT is the body of /plaintext. */
extern const char PLAINTEXT[];

#endif
