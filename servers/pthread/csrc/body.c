/*
 * body.c finds the end of a request's body with the rules of app/body.go,
 * step for step: by Content-Length, or by reading a chunked body (RFC 9112
 * §7.1) of at most MAX_CHUNKED_BYTES.
 */
#include "parse.h"

enum {
	/* The largest chunked body the parser waits for, its chunk lines and
	 * trailers included: a longer one is answered without being read, and
	 * its connection closed (app's maxChunkedBytes). */
	MAX_CHUNKED_BYTES = 8 << 10,
	/* The chunked reader's result for a body over MAX_CHUNKED_BYTES,
	 * beside 0 and the status 400: not a refusal, the body is left unread. */
	TOO_LARGE = -1,
};

/* chunk_line finds the CRLF-terminated line at b[off:n]: *line[0:*len],
 * without its line end, and the offset after it in *next, which is 0
 * while the line is incomplete. It returns 0, 400 or TOO_LARGE. */
static int chunk_line(const char *b, size_t n, size_t off, const char **line, size_t *len, size_t *next)
{
	*next = 0;
	long i = index_of(b + off, n - off, '\n');
	if (i < 0)
		return n > MAX_CHUNKED_BYTES ? TOO_LARGE : 0;
	if (i == 0 || b[off + (size_t)i - 1] != '\r')
		return 400;
	*line = b + off;
	*len = (size_t)i - 1;
	*next = off + (size_t)i + 1;
	return 0;
}

/* chunk_size reads a chunk's size in hex into *size, and checks that what
 * follows it is nothing or a chunk extension (";" after optional
 * whitespace). It returns 0, 400 or TOO_LARGE. */
static int chunk_size(const char *line, size_t n, unsigned long long *size)
{
	unsigned long long s = 0;
	size_t i = 0;
	for (; i < n && unhex((unsigned char)line[i]) >= 0; i++) {
		if (i == 8) /* over 4 GiB: over MAX_CHUNKED_BYTES whatever follows */
			return TOO_LARGE;
		s = s << 4 | (unsigned long long)unhex((unsigned char)line[i]);
	}
	const char *ext = line + i;
	size_t ext_len = n - i;
	trim_ows(&ext, &ext_len);
	if (i == 0 || (ext_len > 0 && (ext[0] != ';' || memchr(ext, 0, ext_len) != NULL)))
		return 400;
	*size = s;
	return 0;
}

/* trailers finds the end of the trailer section at b[off:n], field lines
 * then an empty line: it stores the body's length in *len (0 while it is
 * incomplete) and returns 0, 400 or TOO_LARGE. */
static int trailers(const char *b, size_t n, size_t off, size_t *len)
{
	for (;;) {
		const char *line, *value;
		size_t line_len, next, name_len, value_len;
		int status = chunk_line(b, n, off, &line, &line_len, &next);
		if (next == 0 || status != 0)
			return status;
		if (line_len == 0) {
			*len = next;
			return 0;
		}
		if (next > MAX_CHUNKED_BYTES)
			return TOO_LARGE;
		if (split_header(line, line_len, &name_len, &value, &value_len) != 0)
			return 400;
		off = next;
	}
}

/* chunked_length finds the length of the chunked body at the start of
 * b[0:n]: its chunks, the last chunk and the trailer section. It stores it
 * in *len (0 while the body is incomplete) and returns 0, 400 or
 * TOO_LARGE. */
static int chunked_length(const char *b, size_t n, size_t *len)
{
	size_t off = 0;
	for (;;) {
		const char *line;
		size_t line_len, next;
		unsigned long long size;
		int status = chunk_line(b, n, off, &line, &line_len, &next);
		if (next == 0 || status != 0)
			return status;
		if ((status = chunk_size(line, line_len, &size)) != 0)
			return status;
		if (size == 0)
			return trailers(b, n, next, len);
		unsigned long long end = next + size + 2;
		if (end > MAX_CHUNKED_BYTES)
			return TOO_LARGE;
		if (n < end)
			return 0;
		off = (size_t)end;
		if (b[off - 2] != '\r' || b[off - 1] != '\n')
			return 400;
	}
}

/* unread leaves the request's body unread: the answer closes the
 * connection, so the body's bytes are never read as a request. */
static long unread(size_t head, struct request *r)
{
	r->body_unread = 1;
	r->keep_alive = 0;
	return (long)head;
}

/* wait_body waits for the rest of a body, unless the client expects
 * 100-continue: it may be waiting for that before it sends the body, and
 * every answer depends on the method and target alone, so the server
 * MUST answer at once (RFC 9110 §10.1.1), without the body. */
static long wait_body(size_t head, struct request *r, const struct headers *h)
{
	return h->expect_continue ? unread(head, r) : 0;
}

long read_body(const char *b, size_t n, size_t head, struct request *r, const struct headers *h)
{
	if (r->body_unread) /* faulty framing: judged by parse_headers */
		return (long)head;
	if (h->encoding) {
		size_t len = 0;
		int status = chunked_length(b + head, n - head, &len);
		if (status == TOO_LARGE)
			return unread(head, r);
		if (status != 0)
			return -status;
		if (len == 0)
			return wait_body(head, r, h);
		return (long)(head + len);
	}
	if (r->content_length > MAX_BODY_BYTES)
		return unread(head, r);
	if (r->content_length > 0 && (long long)(n - head) < r->content_length)
		return wait_body(head, r, h);
	return (long)head + (r->content_length > 0 ? (long)r->content_length : 0);
}
