/*
 * server.c is loopbench's pthread model: a plain C reference beside the
 * threaded model, so that the cost of one OS thread per connection can be
 * told apart from what Go adds to each thread.
 *
 * How it waits:
 *
 *  1. The main thread blocks in accept(2) on a blocking listening socket.
 *  2. Each connection gets a detached pthread of its own, created with the
 *     default attributes: the default stack size (RLIMIT_STACK, usually
 *     8 MiB of address space, of which only the touched pages cost memory)
 *     is the point of the reference, so none is set. Its buffers live on
 *     that stack.
 *  3. That thread blocks in read(2), answers every complete request in the
 *     buffer in order (pipelined answers gathered into one write) and
 *     blocks again; /sleep blocks it in nanosleep(2).
 *
 * It serves GET and HEAD of /plaintext and /sleep?ms=N; http.c parses and
 * answers as app/ does, so bad input gets the shared application's
 * answers, and every other path 404 (the model declares the routes it
 * serves, and the harness sends it no others).
 *
 * Flags: --addr HOST:PORT, --head-timeout-ms N, --idle-timeout-ms N,
 * --max-threads N (0: no limit but the kernel's). SIGTERM or SIGINT ends
 * the process at once with status 0: the listener and every connection
 * close with it, and requests in flight are dropped.
 *
 * C11 and POSIX.1-2008 only: cc -std=c11 -O2 -Wall -Wextra -pthread
 * server.c http.c (the Makefile's build target).
 */
#define _POSIX_C_SOURCE 200809L

#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
	/* The accept loop's pause when it has no descriptor to spare. */
	ACCEPT_BACKOFF_MS = 10,
	LISTEN_BACKLOG = 4096,
};

/* The settings from the command line: model.Config's defaults. */
static struct {
	long head_ms, idle_ms;
	long max_threads;
} config = {10 * 1000, 120 * 1000, 0};

static int listen_fd = -1;
static atomic_long live_threads;

/* ---- A connection, served from start to end by its own thread. ---- */

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
	long want = config.idle_ms;
	if (c->len > 0) {
		if (c->head_since < 0)
			c->head_since = now_ms();
		want = config.head_ms - (now_ms() - c->head_since);
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

/* serve_conn is a connection's thread, from accept to close. */
static void *serve_conn(void *arg)
{
	struct conn c;
	c.fd = (int)(intptr_t)arg;
	c.in = c.inline_in;
	c.start = c.len = c.out_len = 0;
	c.cap = sizeof c.inline_in;
	c.head_since = c.rcv_ms = -1;
	if (set_timeout(c.fd, SO_SNDTIMEO, config.idle_ms) == 0)
		while (fill(&c) && answer(&c)) {
		}
	if (c.in != c.inline_in)
		free(c.in);
	close(c.fd);
	atomic_fetch_sub(&live_threads, 1);
	return NULL;
}

/* ---- Accepting. ---- */

/* refuse_fd answers a connection that gets no thread 503 without waiting
 * (a fresh socket's buffer takes it whole) and closes it. */
static void refuse_fd(int fd)
{
	char answer[MAX_ANSWER];
	struct frame f = {0, 0, 0};
	size_t n = http_render(answer, f, 503);
	send(fd, answer, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* The descriptor held in reserve for refusing connections when the
 * process has none left (libuv's EMFILE trick). */
static int spare_fd = -1;

static void open_spare(void) { spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC); }

/* out_of_descriptors waits up to ACCEPT_BACKOFF_MS for a pending
 * connection (accept fails with EMFILE before it looks for one, so
 * without the wait the loop would spin). If a descriptor is free again it
 * returns the connection, to be served; otherwise it accepts it in the
 * spare's slot, answers 503 and returns -1. */
static int out_of_descriptors(void)
{
	struct pollfd p = {listen_fd, POLLIN, 0};
	if (poll(&p, 1, ACCEPT_BACKOFF_MS) <= 0 || !(p.revents & POLLIN))
		return -1;
	int fd = accept(listen_fd, NULL, NULL);
	if (fd >= 0)
		return fd;
	if (spare_fd < 0) {
		open_spare();
		if (spare_fd < 0)
			poll(NULL, 0, ACCEPT_BACKOFF_MS);
		return -1;
	}
	close(spare_fd);
	spare_fd = -1;
	fd = accept(listen_fd, NULL, NULL);
	if (fd >= 0)
		refuse_fd(fd);
	open_spare();
	return -1;
}

/* accept_one blocks until a connection arrives and returns it, or -1 to
 * try again; it exits the process on an error that will not pass. */
static int accept_one(void)
{
	static int told;
	int fd = accept(listen_fd, NULL, NULL);
	if (fd >= 0)
		return fd;
	switch (errno) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		if (!told) {
			told = 1;
			fprintf(stderr, "loopbench-pthread: accept: %s; refusing new connections with 503 until descriptors free up\n", strerror(errno));
		}
		return out_of_descriptors();
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return -1; /* the connection's own error: accept the next one */
	}
	fprintf(stderr, "loopbench-pthread: accept: %s\n", strerror(errno));
	exit(1);
}

/* start_thread gives fd a thread of its own, or refuses it 503 when
 * --max-threads is reached or the thread cannot be created. */
static void start_thread(int fd)
{
	static int told;
	if (config.max_threads > 0 && atomic_load(&live_threads) >= config.max_threads) {
		refuse_fd(fd);
		return;
	}
	atomic_fetch_add(&live_threads, 1);
	pthread_t t;
	int err = pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd);
	if (err == 0) {
		pthread_detach(t);
		return;
	}
	atomic_fetch_sub(&live_threads, 1);
	if (!told) {
		told = 1;
		fprintf(stderr, "loopbench-pthread: pthread_create: %s; refusing connections with 503 while it fails\n", strerror(err));
	}
	refuse_fd(fd);
}

static void accept_loop(void)
{
	for (;;) {
		int fd = accept_one();
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		start_thread(fd);
	}
}

/* ---- Start-up. ---- */

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "loopbench-pthread: %s: %s\n", what, detail);
	exit(1);
}

/* listen_on opens the blocking listening socket on "host:port",
 * "[v6]:port" or ":port" (every address). */
static int listen_on(const char *addr)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	if (colon == NULL || colon[1] == '\0' || (size_t)(colon - addr) >= sizeof host)
		die(addr, "not HOST:PORT (e.g. --addr 127.0.0.1:8080)");
	size_t hn = (size_t)(colon - addr);
	memcpy(host, addr, hn);
	host[hn] = '\0';
	char *h = host;
	if (hn >= 2 && host[0] == '[' && host[hn - 1] == ']') {
		host[hn - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {0}, *ai;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int err = getaddrinfo(*h ? h : NULL, colon + 1, &hints, &ai);
	if (err != 0)
		die(addr, gai_strerror(err));
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
		die("setsockopt", strerror(errno));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "loopbench-pthread: listen on %s: bind: %s\n", addr, strerror(errno));
		exit(1);
	}
	if (listen(fd, LISTEN_BACKLOG) != 0)
		die("listen", strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

static const char USAGE[] = "flags: --addr HOST:PORT, --head-timeout-ms N, --idle-timeout-ms N, --max-threads N";

static long number(const char *flag, const char *v, long lo, long hi)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "loopbench-pthread: %s %s: want a whole number from %ld to %ld\n", flag, v, lo, hi);
		exit(2);
	}
	return n;
}

static const char *parse_flags(int argc, char **argv)
{
	const char *addr = "127.0.0.1:8080";
	for (int i = 1; i < argc; i += 2) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v != NULL && strcmp(f, "--addr") == 0)
			addr = v;
		else if (v != NULL && strcmp(f, "--head-timeout-ms") == 0)
			config.head_ms = number(f, v, 1, LONG_MAX / 4);
		else if (v != NULL && strcmp(f, "--idle-timeout-ms") == 0)
			config.idle_ms = number(f, v, 1, LONG_MAX / 4);
		else if (v != NULL && strcmp(f, "--max-threads") == 0)
			config.max_threads = number(f, v, 0, LONG_MAX);
		else {
			fprintf(stderr, "loopbench-pthread: %s: unknown flag or missing value (%s)\n", f, USAGE);
			exit(2);
		}
	}
	return addr;
}

/* on_stop ends the process at once (_exit is safe in a signal handler);
 * the kernel closes the listener and every connection. */
static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *addr = parse_flags(argc, argv);
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	http_init();
	listen_fd = listen_on(addr);
	open_spare();
	accept_loop();
	return 0;
}
