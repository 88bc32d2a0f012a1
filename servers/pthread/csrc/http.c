/*
 * http.c parses requests with the rules of app/request.go, routes them as
 * app/route.go does for /plaintext and /sleep (every other path is 404),
 * and renders the answers of app/render.go, byte for byte.
 */
#define _POSIX_C_SOURCE 200809L

#include "http.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char PLAINTEXT[] = "Hello, World!";

static const char TEXT_TYPE[] = "text/plain; charset=utf-8";

/* ---- Rendering. ---- */

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

/* The Date header's value, formatted once per second per thread: a cache
 * of its own keeps threads from sharing a cache line. (gmtime_r takes
 * glibc's time zone lock, so once a second per thread is also the most
 * each thread takes it; http_init makes its first call, which opens
 * /etc/localtime.) */
static _Thread_local time_t date_second = -1;
static _Thread_local char date_text[32];

static const char *http_date(void)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec == date_second)
		return date_text;
	if (gmtime_r(&now.tv_sec, &tm) == NULL)
		return "Thu, 01 Jan 1970 00:00:00 GMT";
	snprintf(date_text, sizeof date_text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
		tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	date_second = now.tv_sec;
	return date_text;
}

/* render writes one answer into dst, which holds MAX_ANSWER bytes, and
 * returns its length. */
static size_t render(char *dst, struct frame f, int status, const char *type, const char *body, size_t n)
{
	const char *conn = "";
	if (!f.keep_alive)
		conn = "\r\nConnection: close";
	else if (f.minor == 0)
		conn = "\r\nConnection: keep-alive";
	int len = snprintf(dst, MAX_ANSWER, "HTTP/1.1 %d %s\r\nServer: loopbench\r\nDate: %s\r\nContent-Type: %s\r\nContent-Length: %zu%s\r\n\r\n",
		status, status_text(status), http_date(), type, n, conn);
	if (len < 0 || (size_t)len + n >= MAX_ANSWER)
		return 0; /* cannot happen: the longest answer is some 220 bytes */
	if (!f.head) {
		memcpy(dst + len, body, n);
		len += (int)n;
	}
	return (size_t)len;
}

void http_init(void) { http_date(); }

size_t http_render(char *dst, struct frame f, int status)
{
	const char *text = status_text(status);
	return render(dst, f, status, TEXT_TYPE, text, strlen(text));
}

/* ---- Parsing. ---- */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_token_char(unsigned char c)
{
	if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *b, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_token_char((unsigned char)b[i]))
			return 0;
	return 1;
}

/* index_of returns the index of c in b[0:n], or -1. */
static long index_of(const char *b, size_t n, char c)
{
	const char *p = memchr(b, c, n);
	return p ? (long)(p - b) : -1;
}

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

/* equal_fold compares b with the lower-case ASCII string s, ignoring case. */
static int equal_fold(const char *b, size_t n, const char *s)
{
	if (n != strlen(s))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)s[i])
			return 0;
	}
	return 1;
}

static void trim_ows(const char **b, size_t *n)
{
	while (*n > 0 && (**b == ' ' || **b == '\t'))
		(*b)++, (*n)--;
	while (*n > 0 && ((*b)[*n - 1] == ' ' || (*b)[*n - 1] == '\t'))
		(*n)--;
}

static int parse_version(const char *v, size_t n, struct request *r)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || !is_digit((unsigned char)v[5]) || !is_digit((unsigned char)v[7]))
		return 400;
	if (v[5] != '1' || v[7] > '1')
		return 505;
	r->minor = v[7] - '0';
	r->keep_alive = r->minor == 1;
	return 0;
}

static int parse_target(const char *t, size_t n, struct request *r)
{
	if (t[0] != '/')
		return 400;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= ' ' || c == 0x7f)
			return 400;
	}
	long q = index_of(t, n, '?');
	r->path = t;
	r->path_len = q < 0 ? n : (size_t)q;
	r->query = q < 0 ? t + n : t + q + 1;
	r->query_len = q < 0 ? 0 : n - (size_t)q - 1;
	return 0;
}

/* parse_request_line parses a line without its LF; it returns 0 or the
 * status of the refusal. */
static int parse_request_line(const char *line, size_t n, struct request *r)
{
	if (n == 0 || line[n - 1] != '\r')
		return 400;
	n--;
	long sp = index_of(line, n, ' ');
	if (sp <= 0 || !is_token(line, (size_t)sp))
		return 400;
	r->method = METHOD_OTHER;
	if (sp == 3 && memcmp(line, "GET", 3) == 0)
		r->method = METHOD_GET;
	else if (sp == 4 && memcmp(line, "HEAD", 4) == 0)
		r->method = METHOD_HEAD;
	const char *rest = line + sp + 1;
	size_t rest_len = n - (size_t)sp - 1;
	long sp2 = index_of(rest, rest_len, ' ');
	if (sp2 <= 0)
		return 400;
	int status = parse_version(rest + sp2 + 1, rest_len - (size_t)sp2 - 1, r);
	if (status != 0)
		return status;
	return parse_target(rest, (size_t)sp2, r);
}

static int set_length(struct request *r, const char *v, size_t n)
{
	if (n == 0 || n > 12)
		return 400;
	long long len = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)v[i]))
			return 400;
		len = len * 10 + (v[i] - '0');
	}
	if (r->content_length >= 0 && r->content_length != len)
		return 400;
	r->content_length = len;
	return 0;
}

/* apply_connection reads the Connection header's options and reports
 * whether one is "close", which wins over any "keep-alive". */
static int apply_connection(struct request *r, const char *v, size_t n)
{
	int close_seen = 0;
	while (n > 0) {
		long comma = index_of(v, n, ',');
		const char *opt = v;
		size_t opt_len = comma < 0 ? n : (size_t)comma;
		v += comma < 0 ? n : (size_t)comma + 1;
		n -= comma < 0 ? n : (size_t)comma + 1;
		trim_ows(&opt, &opt_len);
		if (equal_fold(opt, opt_len, "close"))
			close_seen = 1;
		else if (equal_fold(opt, opt_len, "keep-alive") && r->minor == 0)
			r->keep_alive = 1;
	}
	return close_seen;
}

/* parse_header applies one header line, without its CRLF. */
static int parse_header(const char *line, size_t n, struct request *r, int *saw_encoding, int *saw_close)
{
	if (n == 0 || line[0] == ' ' || line[0] == '\t')
		return 400; /* obsolete line folding */
	long colon = index_of(line, n, ':');
	if (colon <= 0 || !is_token(line, (size_t)colon))
		return 400;
	const char *value = line + colon + 1;
	size_t value_len = n - (size_t)colon - 1;
	trim_ows(&value, &value_len);
	for (size_t i = 0; i < value_len; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return 400;
	}
	if (equal_fold(line, (size_t)colon, "content-length"))
		return set_length(r, value, value_len);
	if (equal_fold(line, (size_t)colon, "transfer-encoding"))
		*saw_encoding = 1;
	else if (equal_fold(line, (size_t)colon, "connection"))
		*saw_close = apply_connection(r, value, value_len) || *saw_close;
	return 0;
}

/* parse_headers reads the CRLF-terminated lines of b[0:n]. */
static int parse_headers(const char *b, size_t n, struct request *r)
{
	int saw_encoding = 0, saw_close = 0;
	while (n > 0) {
		long lf = index_of(b, n, '\n');
		size_t len = lf < 0 ? n : (size_t)lf;
		if (len == 0 || b[len - 1] != '\r')
			return 400;
		int status = parse_header(b, len - 1, r, &saw_encoding, &saw_close);
		if (status != 0)
			return status;
		b += lf < 0 ? n : (size_t)lf + 1;
		n -= lf < 0 ? n : (size_t)lf + 1;
	}
	if (saw_close)
		r->keep_alive = 0;
	if (saw_encoding) {
		if (r->content_length >= 0)
			return 400;
		r->body_unread = 1;
		r->keep_alive = 0;
	}
	return 0;
}

/* too_large tells a long request target (414) from a long head (431). */
static int too_large(const char *b, size_t n)
{
	long lf = index_of(b, n, '\n');
	return lf < 0 || lf >= MAX_HEADER_BYTES ? 414 : 431;
}

/* incomplete decides what bytes without a full head mean: 0 to wait for
 * more, or the status of a refusal now, since they can never become a
 * valid request. */
static int incomplete(const char *b, size_t n)
{
	if (memchr(b, 0, n) != NULL)
		return 400;
	for (size_t i = 0; i < n; i++)
		if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
			return 400;
	long lf = index_of(b, n, '\n');
	if (lf >= 0) {
		struct request r;
		int status = parse_request_line(b, (size_t)lf, &r);
		if (status != 0)
			return status;
	}
	return n >= MAX_HEADER_BYTES ? too_large(b, n) : 0;
}

long http_parse(const char *b, size_t n, struct request *r)
{
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	long end = index_crlfcrlf(b, n);
	if (end < 0)
		return -incomplete(b, n);
	if (end + 4 > MAX_HEADER_BYTES)
		return -too_large(b, (size_t)end + 2);
	long lf = index_of(b, (size_t)end + 2, '\n');
	int status = parse_request_line(b, (size_t)lf, r);
	if (status == 0)
		status = parse_headers(b + lf + 1, (size_t)(end + 2 - lf - 1), r);
	if (status != 0)
		return -status;
	long used = end + 4;
	if (r->content_length > 0) {
		if (r->content_length > MAX_BODY_BYTES) {
			r->body_unread = 1;
			r->keep_alive = 0;
			return used;
		}
		if ((long long)n - used < r->content_length)
			return 0;
		used += (long)r->content_length;
	}
	return used;
}

/* ---- Routing. ---- */

/* int_param reads the decimal query parameter key in [lo, hi]; -1 if
 * there is none or it is not one. */
static long int_param(const char *q, size_t n, const char *key, long lo, long hi)
{
	size_t key_len = strlen(key);
	while (n > 0) {
		long amp = index_of(q, n, '&');
		size_t kv_len = amp < 0 ? n : (size_t)amp;
		const char *kv = q;
		q += amp < 0 ? n : (size_t)amp + 1;
		n -= amp < 0 ? n : (size_t)amp + 1;
		long eq = index_of(kv, kv_len, '=');
		size_t k_len = eq < 0 ? kv_len : (size_t)eq;
		if (k_len != key_len || memcmp(kv, key, k_len) != 0)
			continue;
		const char *v = eq < 0 ? kv + kv_len : kv + eq + 1;
		size_t v_len = eq < 0 ? 0 : kv_len - (size_t)eq - 1;
		if (v_len == 0 || v_len > 9)
			return -1;
		long x = 0;
		for (size_t i = 0; i < v_len; i++) {
			if (!is_digit((unsigned char)v[i]))
				return -1;
			x = x * 10 + (v[i] - '0');
		}
		return x >= lo && x <= hi ? x : -1;
	}
	return -1;
}

static int path_is(const struct request *r, const char *p)
{
	return r->path_len == strlen(p) && memcmp(r->path, p, r->path_len) == 0;
}

size_t http_render_ok(char *dst, struct frame f, const char *b, size_t n)
{
	return render(dst, f, 200, TEXT_TYPE, b, n);
}

int http_route(const struct request *r, struct frame *f, long *sleep_ms)
{
	f->head = r->method == METHOD_HEAD;
	f->keep_alive = r->keep_alive && !r->body_unread;
	f->minor = r->minor;
	if (r->method == METHOD_OTHER)
		return 405;
	if (path_is(r, "/plaintext"))
		return 200;
	if (!path_is(r, "/sleep"))
		return 404;
	*sleep_ms = int_param(r->query, r->query_len, "ms", 0, MAX_MILLIS);
	return *sleep_ms < 0 ? 400 : 0;
}
