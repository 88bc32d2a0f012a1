/*
 * http.c routes parsed requests as app/route.go does for /plaintext and
 * /sleep (every other path is 404), and renders the answers of
 * app/render.go, byte for byte. The parser is request.c's.
 */
#define _POSIX_C_SOURCE 200809L

#include "http.h"
#include "parse.h"

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
	case 501: return "Not Implemented";
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

/* ---- Routing. ---- */

/* int_param reads the decimal query parameter key (its first occurrence)
 * in [lo, hi]; -1 if there is none or it is not one. */
static long int_param(const char *q, size_t n, const char *key, long lo, long hi)
{
	while (n > 0) {
		const char *v, *k;
		size_t v_len, k_len;
		cut(&q, &n, '&', &v, &v_len);
		cut(&v, &v_len, '=', &k, &k_len); /* v is now what follows '=' */
		if (!equal(k, k_len, key))
			continue;
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
	if (equal(r->path, r->path_len, "/plaintext"))
		return 200;
	if (!equal(r->path, r->path_len, "/sleep"))
		return 404;
	*sleep_ms = int_param(r->query, r->query_len, "ms", 0, MAX_MILLIS);
	return *sleep_ms < 0 ? 400 : 0;
}
