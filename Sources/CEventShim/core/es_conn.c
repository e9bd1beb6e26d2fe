/*
 * es_conn.c: the protocol-blind connection after accept (es_accept.c): readiness, the TLS
 * handshake and the protocol that ALPN picks, handing the connection to a protocol's table
 * (es_protocol), flushing the write buffer with backpressure, timeouts, closing (a
 * connection whose protocol still holds a request stays allocated until it is answered),
 * lingering after the last answer so that it is not destroyed by a reset (RFC 9112 §9.6),
 * and the graceful shutdown.
 *
 * Each fd is registered once, edge-triggered; `readable` and `writable` remember readiness
 * until a read or write hits EAGAIN, so interest is never re-armed.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_core.h"

enum { ES_LINGER_MAX_BYTES = 256 * 1024 }; /* how much a closing connection drains at most */

static inline const es_protocol *conn_protocol(const es_conn *conn) {
    return conn->loop->protocols[conn->proto];
}

/* ---- choosing the protocol ----------------------------------------------------------- */

int es_conn_start(es_conn *conn, uint8_t proto) {
    uint8_t before = conn->proto;
    conn->proto = proto;
    if (conn_protocol(conn)->start(conn) == 0) return 0;
    /* Closed as what it was: the new protocol never announced itself (on_connection). */
    conn->proto = before;
    es_conn_close(conn);
    return -1;
}

int es_conn_upgrade(es_conn *conn, uint8_t proto, const es_request *request,
                    const char *settings, size_t settings_len) {
    const es_protocol *next = conn->loop->protocols[proto];
    if (next == NULL || next->upgrade == NULL) return -1;
    uint8_t before = conn->proto;
    conn->proto = proto;
    if (next->upgrade(conn, request, settings, settings_len) != 0) {
        conn->proto = before;
        return -1;
    }
    return 0;
}

/* Moves a TLS handshake on; once done, ALPN picks the protocol. Returns 0 if the connection
   was closed or must wait. */
static int conn_handshake(es_conn *conn) {
    int r = es_tls_handshake(conn);
    if (r < 0) { conn->peer_gone = 1; es_conn_close(conn); return 0; }
    if (r == 0) return 0;
    conn->state = ES_CONN_OPEN;
    conn->readable = 1; /* the handshake may have buffered application data */
    return es_conn_start(conn, es_tls_selected_h2(conn) ? ES_PROTO_HTTP2 : ES_PROTO_HTTP1) == 0;
}

/* ---- readiness ----------------------------------------------------------------------- */

static void conn_run(es_conn *conn, uint32_t events) {
    switch (conn->state) {
    case ES_CONN_OPEN:
        conn_protocol(conn)->ready(conn, events);
        return;
    case ES_CONN_HANDSHAKE:
        if (conn_handshake(conn)) conn_protocol(conn)->ready(conn, events);
        return;
    case ES_CONN_CLOSING:
        /* Only the last answers are left to write; then linger. */
        if (!es_conn_flush(conn)) return;
        if (conn->state == ES_CONN_LINGER && conn->readable) es_conn_linger_read(conn);
        return;
    case ES_CONN_LINGER:
        if (conn->readable) es_conn_linger_read(conn);
        return;
    default: /* ES_CONN_CLOSED: no fd, never scheduled */
        return;
    }
}

void es_conn_on_event(es_conn *conn, uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) conn->readable = conn->writable = 1;
    if (events & EPOLLOUT) conn->writable = 1;
    if (events & (EPOLLIN | EPOLLRDHUP)) conn->readable = 1;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn->peer_hup = 1;
    conn_run(conn, events);
}

void es_conn_drive(es_conn *conn) { conn_run(conn, 0); }

/* ---- writing ------------------------------------------------------------------------- */

/* Writes what is queued, as far as the socket takes it. Returns 0 when the connection was
   closed. A connection blocked on a slow reader runs the write timeout, restarted on each
   progress; one that is closing lingers once its last byte is out. */
int es_conn_flush(es_conn *conn) {
    es_loop *loop = conn->loop;
    es_wbuf *wb = conn->wbuf;
    int progressed = 0;
    while (wb != NULL && wb->sent < wb->len && conn->writable) {
        long n = es_io_write(conn, wb->data + wb->sent, wb->len - wb->sent);
        if (n > 0) { wb->sent += (uint32_t)n; progressed = 1; continue; }
        if (n == ES_IO_AGAIN) break;
        conn->peer_gone = 1;
        es_conn_close(conn);
        return 0;
    }
    if (wb != NULL && wb->sent == wb->len) {
        es_wbuf_give(loop, wb);
        conn->wbuf = NULL;
    }
    if (conn->wbuf != NULL) {
        es_timer_set(loop, conn, ES_TIMER_WRITE, progressed);
        return 1;
    }
    if (conn->state == ES_CONN_CLOSING) {
        if (conn->peer_gone) { es_conn_close(conn); return 0; }
        /* Shut the write side, then drain the peer's input briefly so the last answer is
           not destroyed by a reset (RFC 9112 §9.6). */
        if (conn->ssl != NULL) es_io_release(conn); /* close_notify first; later input is only records to discard */
        shutdown(conn->fd, SHUT_WR);
        conn->state = ES_CONN_LINGER;
        if (conn->rbuf != NULL) { es_rbuf_give(loop, conn->rbuf); conn->rbuf = NULL; }
        es_timer_set(loop, conn, ES_TIMER_LINGER, 1);
    }
    return 1;
}

void es_conn_close_after_write(es_conn *conn) {
    conn->state = ES_CONN_CLOSING;
    es_timer_set(conn->loop, conn, ES_TIMER_WRITE, 1);
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

/* ---- closing ------------------------------------------------------------------------- */

void es_conn_notify(es_conn *conn, int event) {
    es_loop *loop = conn->loop;
    if (loop->callbacks.on_connection != NULL)
        loop->callbacks.on_connection(loop->callbacks.ctx, conn->id, event,
                                      conn->proto == ES_PROTO_HTTP2 ? ES_PROTO_HTTP2 : ES_PROTO_HTTP1, conn->tls);
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

/* Closes the socket and tells the protocol. A connection whose protocol still holds a
   request (Swift has it) stays allocated, in ES_CONN_CLOSED, until the protocol frees it
   (es_conn_free); any other is freed now. The protocol hears of the close last, with the
   connection already in ES_CONN_CLOSED and its buffers gone, so that an answer given
   from inside on_cancel frees it rather than queueing on a dead connection. */
void es_conn_close(es_conn *conn) {
    es_loop *loop = conn->loop;
    if (conn->state == ES_CONN_CLOSED) {
        /* Already closed and held: it must be on no list the loop walks. */
        conn_unschedule(conn);
        es_timer_unlink(loop, conn);
        return;
    }
    conn_unschedule(conn);
    if (conn->fd >= 0) {
        es_io_release(conn);
        close(conn->fd);
        conn->fd = -1;
        atomic_fetch_sub_explicit(&loop->connection_count, 1, memory_order_relaxed);
        es_conn_notify(conn, ES_CONNECTION_CLOSED);
    }
    es_timer_unlink(loop, conn);
    if (conn->rbuf != NULL) { es_rbuf_give(loop, conn->rbuf); conn->rbuf = NULL; }
    if (conn->wbuf != NULL) { es_wbuf_give(loop, conn->wbuf); conn->wbuf = NULL; }
    conn->state = ES_CONN_CLOSED;
    if (conn->proto != 0 && conn_protocol(conn)->closed(conn)) return; /* held; may be freed already */
    free(conn);
}

void es_conn_free(es_conn *conn) { free(conn); }

void es_conn_force_close(es_conn *conn) { es_conn_close(conn); }

/* ---- timeouts and shutdown ----------------------------------------------------------- */

/* The core's timers close the connection; the others are the protocol's to answer. */
void es_conn_on_timeout(es_conn *conn) {
    switch (conn->timer_kind) {
    case ES_TIMER_HEAD:
    case ES_TIMER_BODY:
    case ES_TIMER_IDLE:
        if (conn->state == ES_CONN_OPEN) { conn_protocol(conn)->timeout(conn); return; }
        break;
    default: /* write, linger, handshake */
        break;
    }
    es_conn_close(conn);
}

/* Graceful shutdown: a handshake in progress closes now; a protocol closes its idle
   connections and lets the busy ones finish; one already closing carries on. */
void es_conn_begin_shutdown(es_conn *conn) {
    if (conn->state == ES_CONN_HANDSHAKE) { es_conn_close(conn); return; }
    if (conn->state == ES_CONN_OPEN) conn_protocol(conn)->shutdown(conn);
}
