/*
 * es_conn_close.c: the end of a connection's life: closing (a connection Swift still holds
 * stays allocated until it answers), lingering after the last response so that it is not
 * destroyed by a reset (RFC 9112 §9.6), answering a malformed request, timeouts, and the
 * graceful shutdown of an idle connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_internal.h"

enum { ES_LINGER_MAX_BYTES = 256 * 1024 }; /* how much a closing connection drains at most */

/* ---- closing -------------------------------------------------------------------- */

static void conn_release_buffers(es_conn *conn) {
    if (conn->rbuf != NULL) { es_rbuf_give(conn->loop, conn->rbuf); conn->rbuf = NULL; }
    if (conn->wbuf != NULL) { es_wbuf_give(conn->loop, conn->wbuf); conn->wbuf = NULL; }
}

void es_conn_notify(es_conn *conn, int event) {
    es_loop *loop = conn->loop;
    if (loop->callbacks.on_connection != NULL)
        loop->callbacks.on_connection(loop->callbacks.ctx, conn->id, event,
                                      conn->h2 != NULL ? ES_PROTO_HTTP2 : ES_PROTO_HTTP1, conn->tls);
}

/* Takes a connection off the loop's list of connections to drive (es_conn_schedule), so
   that a connection closed before its turn is never driven after it was freed. */
static void conn_unschedule(es_conn *conn) {
    if (!conn->pending) return;
    es_loop *loop = conn->loop;
    es_conn *prev = NULL;
    for (es_conn *c = loop->pending_head; c != NULL; prev = c, c = c->pending_next) {
        if (c != conn) continue;
        if (prev != NULL) prev->pending_next = c->pending_next;
        else loop->pending_head = c->pending_next;
        if (loop->pending_tail == c) loop->pending_tail = prev;
        break;
    }
    conn->pending = 0;
    conn->pending_next = NULL;
}

/* Closes the socket. A connection that Swift still holds stays allocated (phase CLOSED)
   until es_respond() frees it, and Swift hears that its client left; any other is freed
   now. HTTP/2 streams that Swift holds outlive the connection the same way (es_h2.c). */
void es_conn_close(es_conn *conn) {
    es_loop *loop = conn->loop;
    conn_unschedule(conn);
    if (conn->fd >= 0) {
        es_io_release(conn);
        close(conn->fd);
        conn->fd = -1;
        atomic_fetch_sub_explicit(&loop->connection_count, 1, memory_order_relaxed);
        es_conn_notify(conn, ES_CONNECTION_CLOSED);
    }
    if (conn->h2 != NULL) es_h2_conn_closed(conn);
    es_timer_unlink(loop, conn);
    conn_release_buffers(conn);
    if (conn->phase == ES_PHASE_DISPATCHED) {
        conn->phase = ES_PHASE_CLOSED;
        if (loop->callbacks.on_cancel != NULL)
            loop->callbacks.on_cancel(loop->callbacks.ctx, (es_exchange *)conn);
        return;
    }
    if (conn->phase == ES_PHASE_CLOSED) return; /* still held by Swift */
    free(conn);
}

void es_conn_force_close(es_conn *conn) { es_conn_close(conn); }

/* Shut the write side, then drain the peer's input briefly so our last response is not
   destroyed by a reset (RFC 9112 §9.6). */
void es_conn_begin_linger(es_conn *conn) {
    if (conn->ssl != NULL) {
        /* close_notify first; a TLS peer's further input is only records to discard. */
        es_io_release(conn);
    }
    shutdown(conn->fd, SHUT_WR);
    conn->phase = ES_PHASE_LINGER;
    if (conn->rbuf != NULL) { es_rbuf_give(conn->loop, conn->rbuf); conn->rbuf = NULL; }
    es_timer_set(conn->loop, conn, ES_TIMER_LINGER, 1);
}

/* Returns 0 when the connection was closed. */
int es_conn_linger_read(es_conn *conn) {
    char sink[4096];
    uint32_t drained = 0;
    for (;;) {
        ssize_t n = read(conn->fd, sink, sizeof sink);
        if (n > 0) {
            drained += (uint32_t)n;
            if (drained > ES_LINGER_MAX_BYTES) break;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) { conn->readable = 0; return 1; }
        break; /* EOF or error: the peer is done */
    }
    es_conn_close(conn);
    return 0;
}

/* Answers a malformed request with the parser's verdict and closes after writing. */
void es_conn_fail(es_conn *conn, const es_http1_error *error) {
    es_response_write_error(conn, error->status, error->code, error->message);
    conn->close_after = 1;
    conn->phase = ES_PHASE_DRAIN_WRITE;
}

/* ---- timeouts and shutdown --------------------------------------------------------- */

void es_conn_on_timeout(es_conn *conn) {
    if (conn->h2 != NULL) { es_h2_on_timeout(conn); return; }
    switch (conn->timer_kind) {
    case ES_TIMER_HEAD:
        if (conn->rbuf != NULL && conn->rbuf->len > conn->rbuf->start) break; /* 408 below */
        es_conn_close(conn); /* nothing was sent: just close */
        return;
    case ES_TIMER_BODY:
        break;
    default: /* idle, write, linger */
        es_conn_close(conn);
        return;
    }
    static const es_http1_error timeout = {408, "request_timeout", "The request did not arrive in time"};
    es_conn_fail(conn, &timeout);
    es_timer_set(conn->loop, conn, ES_TIMER_WRITE, 1);
    es_conn_flush(conn);
}

/* Graceful shutdown: idle connections close now; busy ones close after their response. */
void es_conn_begin_shutdown(es_conn *conn) {
    if (conn->h2 != NULL) { es_h2_begin_shutdown(conn); return; }
    if (conn->phase == ES_PHASE_HANDSHAKE) { es_conn_close(conn); return; }
    int idle = (conn->phase == ES_PHASE_IDLE || conn->phase == ES_PHASE_HEAD) &&
               (conn->rbuf == NULL || conn->rbuf->len == conn->rbuf->start) && conn->wbuf == NULL;
    if (idle) es_conn_close(conn);
}
