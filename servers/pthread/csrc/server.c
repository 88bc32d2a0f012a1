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
 *     blocks again; /sleep blocks it in nanosleep(2) (conn.c).
 *
 * It serves GET and HEAD of /plaintext and /sleep?ms=N; request.c,
 * header.c and body.c parse as app/ does and http.c answers as it does,
 * so bad input gets the shared application's answers, and every other
 * path 404 (the model declares the routes it serves, and the harness
 * sends it no others).
 *
 * Flags: --addr HOST:PORT, --head-timeout-ms N, --idle-timeout-ms N,
 * --max-threads N (0: no limit but the kernel's). SIGTERM or SIGINT ends
 * the process at once with status 0: the listener and every connection
 * close with it, and requests in flight are dropped.
 *
 * C11 and POSIX.1-2008 only: cc -std=c11 -O2 -Wall -Wextra -pthread
 * *.c (the Makefile's build target).
 */
#define _POSIX_C_SOURCE 200809L

#include "conn.h"
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
#include <unistd.h>

/* Bounds of accepting. */
enum {
	/* The accept loop's pause when it has no descriptor to spare. */
	ACCEPT_BACKOFF_MS = 10,
	LISTEN_BACKLOG = 4096,
};

/* The settings from the command line besides the timeouts (conn.h). */
static long max_threads;

static int listen_fd = -1;

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
	if (max_threads > 0 && atomic_load(&live_threads) >= max_threads) {
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
			conn_head_ms = number(f, v, 1, LONG_MAX / 4);
		else if (v != NULL && strcmp(f, "--idle-timeout-ms") == 0)
			conn_idle_ms = number(f, v, 1, LONG_MAX / 4);
		else if (v != NULL && strcmp(f, "--max-threads") == 0)
			max_threads = number(f, v, 0, LONG_MAX);
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
