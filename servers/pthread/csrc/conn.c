/*
 * conn.c serves one connection from start to end on its own thread, in
 * blocking reads and writes (server.c's step 3): it reads, answers every
 * complete request in the buffer in order, and reads again.
 */
#define _POSIX_C_SOURCE 200809L

#include "conn.h"
#include "http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Buffers and bounds of a connection, as the threaded model has them. */
enum {
	INITIAL_BUFFER = 4 << 10,
	/* The largest complete request (a full head and the largest body the
	 * parser waits for) and room to spare. */
	MAX_REQUEST = MAX_HEADER_BYTES + MAX_BODY_BYTES + INITIAL_BUFFER,
	OUT_BUFFER = 4 << 10,
	/* The lingering close after a refusal reads at most LINGER_BYTES, for
	 * at most LINGER_MS. */
	LINGER_BYTES = 256 << 10,
	LINGER_MS = 1000,
};

long conn_head_ms = 10 * 1000, conn_idle_ms = 120 * 1000;
atomic_long live_threads;

/* conn is one connection. It lives on its thread's stack, with its
 * buffers while they are small enough. */
struct conn {
	int fd;
	char *in; /* received bytes; in[start:len] not yet parsed */
	size_t start, len, cap;
	long head_since; /* when the unfinished request began to arrive (ms); -1: none */
	long rcv_ms;     /* SO_RCVTIMEO as last set; -1: not yet */
	size_t out_len;
	char inline_in[INITIAL_BUFFER];
	char out[OUT_BUFFER];
};

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_timeout(int fd, int option, long ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	return setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

/* write_all blocks until all of p is written; it fails when the client
 * has taken no byte for the idle timeout (SO_SNDTIMEO) or is gone. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int flush(struct conn *c)
{
	if (c->out_len == 0)
		return 0;
	int err = write_all(c->fd, c->out, c->out_len);
	c->out_len = 0;
	return err;
}

/* room writes the queued answers when there is no room for the longest. */
static int room(struct conn *c)
{
	return OUT_BUFFER - c->out_len < MAX_ANSWER ? flush(c) : 0;
}

static int queue(struct conn *c, struct frame f, int status)
{
	if (room(c) != 0)
		return -1;
	c->out_len += http_render(c->out + c->out_len, f, status);
	return 0;
}

static int queue_ok(struct conn *c, struct frame f, const char *body, size_t n)
{
	if (room(c) != 0)
		return -1;
	c->out_len += http_render_ok(c->out + c->out_len, f, body, n);
	return 0;
}

/* linger closes gracefully after refusing input that was not all read
 * (closing with unread bytes sends a reset, which can destroy the answer
 * before the client reads it): end of stream, then what the client still
 * sends is read and dropped, for at most LINGER_MS and LINGER_BYTES. */
static void linger(struct conn *c)
{
	long deadline = now_ms() + LINGER_MS;
	shutdown(c->fd, SHUT_WR);
	for (size_t got = 0; got < LINGER_BYTES;) {
		long left = deadline - now_ms();
		if (left <= 0 || set_timeout(c->fd, SO_RCVTIMEO, left) != 0)
			return;
		ssize_t n = read(c->fd, c->in, c->cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		got += (size_t)n;
	}
}

/* refuse answers status and closes: a protocol error, or a head timeout. */
static void refuse(struct conn *c, int status)
{
	struct frame f = {0, 0, 0};
	if (queue(c, f, status) == 0 && flush(c) == 0)
		linger(c);
}

/* sleep_for blocks the calling thread for ms milliseconds. */
static void sleep_for(long ms)
{
	struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&left, &left) != 0 && errno == EINTR) {
	}
}

/* handle answers one parsed request, first writing the answers queued
 * ahead of it and sleeping on this thread for /sleep. It reports whether
 * the connection stays open. */
static int handle(struct conn *c, const struct request *r)
{
	struct frame f;
	long ms = 0;
	int err, status = http_route(r, &f, &ms);
	if (status == 200) {
		err = queue_ok(c, f, PLAINTEXT, strlen(PLAINTEXT));
	} else if (status != 0) {
		err = queue(c, f, status);
	} else if ((err = flush(c)) == 0) {
		char body[32];
		int n = snprintf(body, sizeof body, "slept %ld ms", ms);
		sleep_for(ms);
		err = queue_ok(c, f, body, (size_t)n);
	}
	if (err != 0)
		return 0;
	if (f.keep_alive)
		return 1;
	if (flush(c) == 0 && r->body_unread)
		linger(c);
	return 0;
}

/* answer answers every complete request in the buffer, in order, and
 * writes the answers. It reports whether to keep reading. */
static int answer(struct conn *c)
{
	for (;;) {
		struct request r;
		long n = http_parse(c->in + c->start, c->len - c->start, &r);
		if (n < 0) {
			refuse(c, (int)-n);
			return 0;
		}
		if (n == 0)
			return flush(c) == 0;
		c->head_since = -1;
		c->start += (size_t)n;
		if (!handle(c, &r))
			return 0;
	}
}

/* arm_read bounds the read ahead with SO_RCVTIMEO: by the idle timeout
 * between requests, by what is left of the head timeout within one (set
 * only when it changes, so whole requests cost no system call for it). It
 * reports false when the head timeout has passed (the client has then
 * been answered 408). */
static int arm_read(struct conn *c)
{
	long want = conn_idle_ms;
	if (c->len > 0) {
		if (c->head_since < 0)
			c->head_since = now_ms();
		want = conn_head_ms - (now_ms() - c->head_since);
		if (want <= 0) {
			refuse(c, 408);
			return 0;
		}
	}
	if (want != c->rcv_ms) {
		if (set_timeout(c->fd, SO_RCVTIMEO, want) != 0)
			return 0;
		c->rcv_ms = want;
	}
	return 1;
}

/* grow doubles the input buffer, moving it to the heap, up to MAX_REQUEST. */
static int grow(struct conn *c)
{
	if (c->cap >= MAX_REQUEST)
		return -1;
	size_t cap = c->cap * 2 < MAX_REQUEST ? c->cap * 2 : MAX_REQUEST;
	char *in = c->in == c->inline_in ? malloc(cap) : realloc(c->in, cap);
	if (in == NULL)
		return -1;
	if (c->in == c->inline_in)
		memcpy(in, c->inline_in, c->len);
	c->in = in;
	c->cap = cap;
	return 0;
}

/* fill blocks until more bytes arrive. It reports false at end of stream,
 * on an error, or after a timeout. */
static int fill(struct conn *c)
{
	if (c->start > 0) {
		memmove(c->in, c->in + c->start, c->len - c->start);
		c->len -= c->start;
		c->start = 0;
	}
	if (c->len == c->cap && grow(c) != 0)
		return 0;
	if (!arm_read(c))
		return 0;
	for (;;) {
		ssize_t n = read(c->fd, c->in + c->len, c->cap - c->len);
		if (n > 0) {
			c->len += (size_t)n;
			return 1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && c->len > 0)
			refuse(c, 408);
		return 0;
	}
}

void *serve_conn(void *arg)
{
	struct conn c;
	c.fd = (int)(intptr_t)arg;
	c.in = c.inline_in;
	c.start = c.len = c.out_len = 0;
	c.cap = sizeof c.inline_in;
	c.head_since = c.rcv_ms = -1;
	if (set_timeout(c.fd, SO_SNDTIMEO, conn_idle_ms) == 0)
		while (fill(&c) && answer(&c)) {
		}
	if (c.in != c.inline_in)
		free(c.in);
	close(c.fd);
	atomic_fetch_sub(&live_threads, 1);
	return NULL;
}
