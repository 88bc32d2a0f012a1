/*
 * request.c parses a request's empty lines, head and request line with
 * the rules of app/request.go and app/target.go, step for step; the header
 * lines are header.c's (app/header.go), the body body.c's (app/body.go).
 */
#include "parse.h"

int is_token(const char *b, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!in_table((unsigned char)b[i], "!#$%&'*+-.^_`|~"))
			return 0;
	return 1;
}

/* index_crlfcrlf returns the index of the first CRLFCRLF in b[0:n], or -1. */
static long index_crlfcrlf(const char *b, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		const char *p = memchr(b + i, '\r', n - i - 3);
		if (p == NULL)
			return -1;
		i = (size_t)(p - b);
		if (memcmp(p, "\r\n\r\n", 4) == 0)
			return (long)i;
	}
	return -1;
}

/* empty_lines counts the bytes of the empty lines (CRLF) at the start of
 * b[0:n], which a server SHOULD ignore before a request line (RFC 9112
 * §2.2). */
static size_t empty_lines(const char *b, size_t n)
{
	size_t i = 0;
	while (n >= i + 2 && b[i] == '\r' && b[i + 1] == '\n')
		i += 2;
	return i;
}

/* too_large tells a long request target (414) from a long head (431). */
static int too_large(const char *b, size_t n)
{
	long lf = index_of(b, n, '\n');
	return lf < 0 || lf >= MAX_HEADER_BYTES ? 414 : 431;
}

static int parse_version(const char *v, size_t n, struct request *r)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || !is_digit((unsigned char)v[5]) || !is_digit((unsigned char)v[7]))
		return 400;
	if (v[5] != '1')
		return 505;
	/* A minor version above 1 is read as 1 (RFC 9110 §2.5). */
	r->minor = v[7] > '1' ? 1 : v[7] - '0';
	r->keep_alive = r->minor == 1;
	return 0;
}

/* absolute_path replaces *t[0:*n], an absolute-form target, with its path
 * and query: it reports false for a scheme other than http or https, no
 * authority, or userinfo in the authority (RFC 9110 §4.2). The path is
 * empty when the target has none. */
static int absolute_path(const char **t, size_t *n)
{
	long colon = index_of(*t, *n, ':');
	if (colon < 0 || !(equal_fold(*t, (size_t)colon, "http") || equal_fold(*t, (size_t)colon, "https")))
		return 0;
	const char *rest = *t + colon + 1;
	size_t len = *n - (size_t)colon - 1;
	if (len < 2 || memcmp(rest, "//", 2) != 0)
		return 0;
	rest += 2;
	len -= 2;
	size_t end = 0;
	while (end < len && rest[end] != '/' && rest[end] != '?' && rest[end] != '#')
		end++;
	if (end == 0 || index_of(rest, end, '@') >= 0)
		return 0;
	*t = rest + end;
	*n = len - end;
	return 1;
}

/* parse_target reads the target t[0:n] (never empty) in the form the
 * method m[0:m_len] allows (RFC 9112 §3.2): origin-form for any method,
 * absolute-form for any, authority-form for CONNECT, asterisk-form for
 * OPTIONS, the last two without a query. */
static int parse_target(const char *m, size_t m_len, const char *t, size_t n, struct request *r)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= ' ' || c == 0x7f)
			return 400;
	}
	if (t[0] != '/') {
		if ((equal(m, m_len, "OPTIONS") && equal(t, n, "*")) || (equal(m, m_len, "CONNECT") && index_of(t, n, '/') < 0)) {
			r->path = t;
			r->path_len = n;
			r->query = t + n;
			return 0;
		}
		if (!absolute_path(&t, &n))
			return 400;
	}
	cut(&t, &n, '?', &r->path, &r->path_len);
	r->query = t;
	r->query_len = n;
	return 0;
}

static enum method method_of(const char *m, size_t n)
{
	if (equal(m, n, "GET"))
		return METHOD_GET;
	if (equal(m, n, "HEAD"))
		return METHOD_HEAD;
	return METHOD_OTHER;
}

/* parse_request_line parses a line without its LF. */
static int parse_request_line(const char *line, size_t n, struct request *r)
{
	if (n == 0 || line[n - 1] != '\r')
		return 400;
	n--;
	long sp = index_of(line, n, ' ');
	if (sp <= 0 || !is_token(line, (size_t)sp))
		return 400;
	size_t method_len = (size_t)sp;
	r->method = method_of(line, method_len);
	const char *rest = line + sp + 1;
	size_t rest_len = n - method_len - 1;
	sp = index_of(rest, rest_len, ' ');
	if (sp <= 0)
		return 400;
	int status = parse_version(rest + sp + 1, rest_len - (size_t)sp - 1, r);
	if (status != 0)
		return status;
	return parse_target(line, method_len, rest, (size_t)sp, r);
}

/* has_bare_lf reports whether a line of b[0:n] ends in LF without CR. */
static int has_bare_lf(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
			return 1;
	return 0;
}

/* incomplete decides what bytes without a full head mean: 0 to wait for
 * more, or the status of a refusal now, since they can never become a
 * valid request. skip is the length of the empty lines before the
 * request line. */
static int incomplete(const char *b, size_t n, size_t skip)
{
	if (n > 0 && memchr(b, 0, n) != NULL)
		return 400;
	if (has_bare_lf(b, n))
		return 400;
	long lf = index_of(b + skip, n - skip, '\n');
	if (lf >= 0) {
		struct request r = {0};
		int status = parse_request_line(b + skip, (size_t)lf, &r);
		if (status != 0)
			return status;
	}
	return n >= MAX_HEADER_BYTES ? too_large(b + skip, n - skip) : 0;
}

long http_parse(const char *b, size_t n, struct request *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	size_t skip = empty_lines(b, n);
	long found = index_crlfcrlf(b + skip, n - skip);
	if (found < 0)
		return -incomplete(b, n, skip);
	size_t end = skip + (size_t)found; /* the CRLFCRLF that ends the head */
	if (end + 4 > MAX_HEADER_BYTES)
		return -too_large(b + skip, n - skip);
	const char *head = b + skip, *line;
	size_t head_len = end + 2 - skip, line_len; /* every line, each ending in CRLF */
	cut(&head, &head_len, '\n', &line, &line_len);
	struct headers h = {0};
	int status = parse_request_line(line, line_len, r);
	if (status == 0)
		status = parse_headers(head, head_len, r, &h);
	if (status != 0)
		return -status;
	return read_body(b, n, end + 4, r, &h);
}
