/*
 * conn.h is how server.c hands a connection to a thread of its own, which
 * conn.c runs.
 */
#ifndef LOOPBENCH_PTHREAD_CONN_H
#define LOOPBENCH_PTHREAD_CONN_H

#include <stdatomic.h>

/* The head and idle timeouts of every connection, in milliseconds
 * (model.Config's defaults until the flags set them, before serving). */
extern long conn_head_ms, conn_idle_ms;

/* live_threads counts the connection threads alive; serve_conn takes its
 * own off as it ends. */
extern atomic_long live_threads;

/* serve_conn is a connection's thread, from accept to close: arg is the
 * connected socket's descriptor (an intptr_t), which it closes. */
void *serve_conn(void *arg);

#endif
