/*
 * header.c reads the header lines with the rules of app/header.go, step
 * for step: it applies the ones the server acts on and checks the ones
 * RFC 9112 makes the server check, Host (§3.2), Content-Length and
 * Transfer-Encoding (§6).
 */
#include "parse.h"

int split_header(const char *line, size_t n, size_t *name_len, const char **value, size_t *value_len)
{
	long colon = index_of(line, n, ':');
	if (colon <= 0 || !is_token(line, (size_t)colon))
		return 400;
	const char *v = line + colon + 1;
	size_t len = n - (size_t)colon - 1;
	trim_ows(&v, &len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			return 400; /* a NUL among them */
	}
	*name_len = (size_t)colon;
	*value = v;
	*value_len = len;
	return 0;
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
		const char *opt;
		size_t len;
		cut(&v, &n, ',', &opt, &len);
		trim_ows(&opt, &len);
		if (equal_fold(opt, len, "close"))
			close_seen = 1;
		else if (equal_fold(opt, len, "keep-alive") && r->minor == 0)
			r->keep_alive = 1;
	}
	return close_seen;
}

/* codings reads a Transfer-Encoding list: codings in order, empty
 * elements ignored (RFC 9110 §5.6.1). */
static void codings(struct headers *h, const char *v, size_t n)
{
	while (n > 0) {
		const char *c;
		size_t len;
		cut(&v, &n, ',', &c, &len);
		trim_ows(&c, &len);
		if (len == 0)
			continue;
		if (index_of(c, len, ';') < 0 && equal_fold(c, len, "chunked")) {
			h->chunked++;
			h->chunked_last = 1;
		} else { /* chunked has no parameters: a coding with some is another */
			h->unknown_coding = 1;
			h->chunked_last = 0;
		}
	}
}

/* valid_host reports whether v[0:n] is a Host value: empty, or uri-host
 * [":" port] of RFC 3986, in the bytes those allow. */
static int valid_host(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!in_table((unsigned char)v[i], "-._~%!$&'()*+,;=:[]"))
			return 0;
	return 1;
}

/* apply_header takes one header line into r and h. */
static int apply_header(const char *name, size_t name_len, const char *v, size_t n, struct request *r, struct headers *h)
{
	if (equal_fold(name, name_len, "host")) {
		h->hosts++;
		if (!valid_host(v, n))
			return 400;
	} else if (equal_fold(name, name_len, "content-length")) {
		return set_length(r, v, n);
	} else if (equal_fold(name, name_len, "transfer-encoding")) {
		h->encoding = 1;
		codings(h, v, n);
	} else if (equal_fold(name, name_len, "connection")) {
		h->close = apply_connection(r, v, n) || h->close;
	} else if (equal_fold(name, name_len, "expect")) {
		h->expect_continue = h->expect_continue || equal_fold(v, n, "100-continue");
	}
	return 0;
}

/* judge checks what the header lines said as a whole: one Host (none
 * allowed in HTTP/1.0), framing by Content-Length or chunked alone. */
static int judge(struct request *r, const struct headers *h)
{
	if (h->hosts > 1 || (h->hosts == 0 && r->minor == 1))
		return 400;
	if (h->close)
		r->keep_alive = 0;
	if (!h->encoding)
		return 0;
	if (r->content_length >= 0)
		return 400;
	if (r->minor == 0) {
		/* HTTP/1.0 has no Transfer-Encoding: the framing is faulty
		 * (§6.1), so the body is not read and the connection closes. */
		r->body_unread = 1;
		r->keep_alive = 0;
		return 0;
	}
	if (!h->chunked_last || h->chunked > 1)
		return 400;
	return h->unknown_coding ? 501 : 0;
}

int parse_headers(const char *b, size_t n, struct request *r, struct headers *h)
{
	while (n > 0) {
		const char *line, *value;
		size_t len, name_len, value_len;
		cut(&b, &n, '\n', &line, &len);
		if (len == 0 || line[len - 1] != '\r')
			return 400;
		len--;
		if (len > 0 && (line[0] == ' ' || line[0] == '\t'))
			return 400; /* obsolete line folding */
		int status = split_header(line, len, &name_len, &value, &value_len);
		if (status == 0)
			status = apply_header(line, name_len, value, value_len, r, h);
		if (status != 0)
			return status;
	}
	return judge(r, h);
}
