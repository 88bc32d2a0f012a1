/*
 * parse.h is what the parser's files share: the byte helpers of
 * app/request.go, and the steps of app/header.go and app/body.go that
 * request.c calls. It is internal to the parser; http.h is its interface.
 *
 * A status is returned as an int: 0 for none, else the status of the
 * refusal (every refusal of the header lines and the body is 400 but a
 * transfer coding the server does not implement, 501).
 */
#ifndef LOOPBENCH_PTHREAD_PARSE_H
#define LOOPBENCH_PTHREAD_PARSE_H

#include "http.h"

#include <stddef.h>
#include <string.h>

/* headers is what the header lines say about framing and the connection,
 * gathered before it is judged: app/header.go's headerState. */
struct headers {
	int hosts;           /* Host lines */
	int close;           /* a "close" connection option */
	int encoding;        /* a Transfer-Encoding line */
	int chunked_last;    /* the last transfer coding is chunked */
	int chunked;         /* how often chunked is applied */
	int unknown_coding;  /* a transfer coding other than chunked */
	int expect_continue; /* Expect: 100-continue */
};

/* parse_headers reads the CRLF-terminated header lines of b[0:n] (without
 * the final empty line) into r and h, and judges them (header.c). */
int parse_headers(const char *b, size_t n, struct request *r, struct headers *h);

/* split_header splits a header line without its CRLF into its name
 * line[0:*name_len] and its value *value[0:*value_len] without the
 * whitespace around it; it returns 0 or 400 (header.c). */
int split_header(const char *line, size_t n, size_t *name_len, const char **value, size_t *value_len);

/* read_body finds the end of the body of the request whose head ends at
 * b[head]: it returns the request's length, 0 while the body is
 * incomplete, or minus the status of a malformed chunked body (body.c). */
long read_body(const char *b, size_t n, size_t head, struct request *r, const struct headers *h);

/* is_token reports whether b[0:n] is a non-empty RFC 9110 token
 * (request.c). */
int is_token(const char *b, size_t n);

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* in_table reports whether c is an ASCII letter or digit or a byte of
 * extra: app's charTable, for tokens and Host values. */
static inline int in_table(unsigned char c, const char *extra)
{
	if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr(extra, c) != NULL;
}

/* equal reports whether b[0:n] is the string s. */
static inline int equal(const char *b, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(b, s, n) == 0;
}

/* unhex returns the value of the hexadecimal digit c, or -1. */
static inline int unhex(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* index_of returns the index of c in b[0:n], or -1. */
static inline long index_of(const char *b, size_t n, char c)
{
	const char *p = n > 0 ? memchr(b, c, n) : NULL;
	return p ? (long)(p - b) : -1;
}

/* equal_fold compares b[0:n] with the lower-case ASCII string s, ignoring
 * case. */
static inline int equal_fold(const char *b, size_t n, const char *s)
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

/* trim_ows drops the spaces and tabs around *b[0:*n]. */
static inline void trim_ows(const char **b, size_t *n)
{
	while (*n > 0 && (**b == ' ' || **b == '\t'))
		(*b)++, (*n)--;
	while (*n > 0 && ((*b)[*n - 1] == ' ' || (*b)[*n - 1] == '\t'))
		(*n)--;
}

/* cut splits *b[0:*n] at the first sep: the part before it is returned
 * in *part[0:*part_len], and *b, *n become what follows it (nothing when
 * there is no sep). app's cutLine, cutList and param's loop. */
static inline void cut(const char **b, size_t *n, char sep, const char **part, size_t *part_len)
{
	long i = index_of(*b, *n, sep);
	size_t len = i < 0 ? *n : (size_t)i;
	size_t skip = i < 0 ? *n : len + 1;
	*part = *b;
	*part_len = len;
	*b += skip;
	*n -= skip;
}

#endif
