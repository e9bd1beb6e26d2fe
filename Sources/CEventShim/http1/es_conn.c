/*
 * es_conn.c: one connection's life after accept (es_accept.c): TLS handshake, read, parse,
 * dispatch, respond and write (closing, lingering and timeouts are in es_conn_close.c).
 * HTTP/1.1 is handled here; a connection that turns out to speak HTTP/2
 * (ALPN h2, the client preface, or Upgrade: h2c) is handed to es_h2.c.
 *
 * Requests on a connection are handled one at a time, in order: while Swift holds a
 * request nothing more is parsed, so pipelined responses can never be reordered. Requests
 * that Swift answers inline (the common case) are parsed and answered back to back, and
 * all their responses leave in one write at the end of the pass.
 *
 * Each fd is registered once, edge-triggered; `readable` and `writable` remember readiness
 * until a read or write hits EAGAIN, so interest is never re-armed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_internal.h"

enum { CONN_FREED = -1, CONN_DRAINING = -2 };

enum {
    ES_WRITE_BACKLOG = 256 * 1024,     /* stop parsing pipelined requests above this */
    ES_CHUNKED_SLACK = 64 * 1024,      /* raw framing room beyond max_body for chunked */
};

/* ---- reading and parsing ---------------------------------------------------------- */

static int conn_write_backlogged(const es_conn *conn) {
    return conn->wbuf != NULL && conn->wbuf->len - conn->wbuf->sent > ES_WRITE_BACKLOG;
}

static void conn_dispatch(es_conn *conn) {
    es_loop *loop = conn->loop;
    es_rbuf *rb = conn->rbuf;
    conn->phase = ES_PHASE_DISPATCHED;
    es_timer_set(loop, conn, ES_TIMER_NONE, 1);
    conn->in_dispatch = 1;
    es_request_info info = {.conn_id = conn->id, .stream_id = 0, .proto = ES_PROTO_HTTP1, .tls = conn->tls,
                            .received_ns = loop->woke_ns};
    loop->callbacks.on_request(loop->callbacks.ctx, (es_exchange *)conn, &info, &rb->req,
                               rb->data + rb->body_start, rb->body_len);
    conn->in_dispatch = 0;
}

/* Parses and dispatches every complete request in the read buffer, stopping when one is
   incomplete, when Swift holds one, or when the connection is closing. */
static void conn_process_buffered(es_conn *conn) {
    es_loop *loop = conn->loop;
    const es_http1_limits *limits = &loop->config.limits;
    while (conn->rbuf != NULL && conn->phase <= ES_PHASE_BODY) {
        if (conn_write_backlogged(conn)) return;
        es_rbuf *rb = conn->rbuf;
        es_http1_request *req = &rb->req;
        if (conn->phase != ES_PHASE_BODY) {
            if (rb->len == rb->start) {
                rb->len = rb->start = 0;
                return;
            }
            if (conn->phase == ES_PHASE_IDLE) {
                conn->phase = ES_PHASE_HEAD;
                es_timer_set(loop, conn, ES_TIMER_HEAD, 1);
            }
            if (!conn->served_any && rb->start == 0 && !conn->tls && loop->config.h2c) {
                /* HTTP/2 with prior knowledge: the client preface, as its bytes arrive. */
                int preface = es_h2_is_preface_prefix(rb->data, rb->len);
                if (preface == 0) return;
                if (preface == 1) {
                    if (es_h2_start(conn) != 0) { es_conn_close(conn); return; }
                    return; /* es_conn_drive carries on in es_h2_drive */
                }
            }
            int r = es_http1_parse_head(&rb->parser, rb->data + rb->start, rb->len - rb->start,
                                        limits, req, rb->headers, rb->max_headers);
            if (r == ES_HTTP1_INCOMPLETE) return;
            if (r == ES_HTTP1_ERROR) { es_conn_fail(conn, &rb->parser.error); return; }
            rb->body_start = rb->start + req->head_len;
            rb->body_len = 0;
            if (!(req->flags & ES_HTTP1_F_CHUNKED) && req->content_length <= 0) {
                rb->next_start = rb->body_start;
                const es_http1_header *settings = es_h2c_upgrade_settings(conn, req);
                if (settings != NULL &&
                    es_h2_start_upgrade(conn, req, settings->value, settings->value_len) == 0)
                    return; /* now HTTP/2; the request became stream 1 */
                conn_dispatch(conn);
                continue;
            }
            if (req->flags & ES_HTTP1_F_CHUNKED) es_http1_chunked_decoder_reset(&rb->chunked);
            conn->phase = ES_PHASE_BODY;
            es_timer_set(loop, conn, ES_TIMER_BODY, 1);
            /* The client waits for 100 Continue before sending the body (RFC 9110 §10.1.1). */
            if ((req->flags & ES_HTTP1_F_EXPECT_CONTINUE) && req->version_minor == 1 &&
                rb->len == rb->body_start)
                es_response_write_continue(conn);
        }
        if (req->flags & ES_HTTP1_F_CHUNKED) {
            uint32_t decode_at = rb->body_start + rb->body_len;
            size_t decoded = 0, consumed = 0;
            int r = es_http1_chunked_decode(&rb->chunked, rb->data + decode_at, rb->len - decode_at,
                                            limits, &decoded, &consumed);
            rb->body_len += (uint32_t)decoded;
            if (r == ES_HTTP1_ERROR) { es_conn_fail(conn, &rb->chunked.error); return; }
            if (r == ES_HTTP1_INCOMPLETE) {
                rb->len = rb->body_start + rb->body_len; /* every raw byte was used */
                return;
            }
            rb->next_start = decode_at + (uint32_t)consumed;
        } else {
            if ((uint64_t)(rb->len - rb->body_start) < (uint64_t)req->content_length) return;
            rb->body_len = (uint32_t)req->content_length;
            rb->next_start = rb->body_start + rb->body_len;
        }
        conn_dispatch(conn);
    }
}

/* Makes room for the next read. Returns 0 if the connection had to be failed. */
static int conn_make_room(es_conn *conn) {
    es_rbuf *rb = conn->rbuf;
    if (rb->len < rb->cap) return 1;
    if (conn->phase != ES_PHASE_BODY && rb->start > 0) {
        /* A pipelined head straddles the end: slide it to the front (nothing points into
           it yet; the parser keeps offsets relative to the request's start). */
        memmove(rb->data, rb->data + rb->start, rb->len - rb->start);
        rb->len -= rb->start;
        rb->start = 0;
        return 1;
    }
    if (conn->phase == ES_PHASE_BODY) {
        const es_http1_request *req = &rb->req;
        uint64_t needed = req->flags & ES_HTTP1_F_CHUNKED
            ? (uint64_t)rb->body_start + conn->loop->config.limits.max_body + ES_CHUNKED_SLACK
            : (uint64_t)rb->body_start + (uint64_t)req->content_length;
        uint64_t want = (uint64_t)rb->cap * 2 < needed ? (uint64_t)rb->cap * 2 : needed;
        if (want > rb->cap && want < UINT32_MAX) {
            es_rbuf *bigger = es_rbuf_grow(conn->loop, rb, (uint32_t)want);
            if (bigger != NULL) { conn->rbuf = bigger; return 1; }
        }
    }
    static const es_http1_error too_large = {413, "content_too_large", "The request is larger than this server accepts"};
    es_conn_fail(conn, &too_large);
    return 0;
}

/* One read. Returns 1 on progress, 0 when drained (EAGAIN), CONN_FREED when the connection
   was closed (do not touch it again), CONN_DRAINING when it only has answers left to write. */
static int conn_read(es_conn *conn) {
    es_loop *loop = conn->loop;
    if (conn->rbuf == NULL) {
        conn->rbuf = es_rbuf_take(loop);
        if (conn->rbuf == NULL) { es_conn_close(conn); return CONN_FREED; }
        es_http1_parser_reset(&conn->rbuf->parser);
    }
    if (!conn_make_room(conn)) return CONN_DRAINING;
    es_rbuf *rb = conn->rbuf;
    long n = es_io_read(conn, rb->data + rb->len, rb->cap - rb->len);
    if (n > 0) {
        /* A short read emptied the socket: with edge-triggered epoll, new data brings a new
           event, so skip the read that would only return EAGAIN (one syscall a request).
           Not after EPOLLRDHUP, whose EOF must still be read, and not through TLS, which
           may hold decrypted bytes that no new event would announce. */
        if ((uint32_t)n < rb->cap - rb->len && !conn->peer_hup && !conn->tls) conn->readable = 0;
        rb->len += (uint32_t)n;
        if (conn->phase == ES_PHASE_BODY) es_timer_set(loop, conn, ES_TIMER_BODY, 1);
        return 1;
    }
    if (n == ES_IO_AGAIN) return 0;
    /* EOF or a socket error. An unfinished request can never finish; answers already
       queued for earlier requests are still written. */
    conn->peer_gone = 1;
    conn->readable = 0;
    if (n == 0 && conn->wbuf != NULL) {
        conn->close_after = 1;
        conn->phase = ES_PHASE_DRAIN_WRITE;
        return CONN_DRAINING;
    }
    es_conn_close(conn);
    return CONN_FREED;
}

/* ---- writing ---------------------------------------------------------------------- */

/* Writes what is queued. Returns 0 when the connection was closed. */
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
        /* Blocked on a slow reader: the write timeout runs, restarted on progress. */
        es_timer_set(loop, conn, ES_TIMER_WRITE, progressed);
        return 1;
    }
    if (conn->close_after && conn->phase == ES_PHASE_DRAIN_WRITE) {
        if (conn->peer_gone) { es_conn_close(conn); return 0; }
        es_conn_begin_linger(conn);
        return 1;
    }
    /* Nothing left to write: the phase's own timer applies again. */
    if (conn->timer_kind == ES_TIMER_WRITE && conn->h2 == NULL) {
        static const uint8_t timer_for_phase[] = {
            [ES_PHASE_IDLE] = ES_TIMER_IDLE, [ES_PHASE_HEAD] = ES_TIMER_HEAD,
            [ES_PHASE_BODY] = ES_TIMER_BODY, [ES_PHASE_DISPATCHED] = ES_TIMER_NONE,
        };
        if (conn->phase <= ES_PHASE_DISPATCHED)
            es_timer_set(loop, conn, timer_for_phase[conn->phase], 1);
    }
    return 1;
}

/* ---- driving ---------------------------------------------------------------------- */

/* Moves a TLS handshake on. Returns 0 if the connection was closed or must wait. */
static int conn_handshake(es_conn *conn) {
    int r = es_tls_handshake(conn);
    if (r < 0) { conn->peer_gone = 1; es_conn_close(conn); return 0; }
    if (r == 0) return 0;
    if (es_tls_selected_h2(conn)) {
        if (es_h2_start(conn) != 0) { es_conn_close(conn); return 0; }
    } else {
        conn->phase = ES_PHASE_HEAD;
        es_timer_set(conn->loop, conn, ES_TIMER_HEAD, 1);
    }
    conn->readable = 1; /* the handshake may have buffered application data */
    return 1;
}

void es_conn_drive(es_conn *conn) {
    if (conn->phase == ES_PHASE_LINGER) {
        if (conn->readable) es_conn_linger_read(conn);
        return;
    }
    if (conn->phase == ES_PHASE_HANDSHAKE && !conn_handshake(conn)) return;
    if (conn->h2 != NULL) { es_h2_drive(conn); return; }
    for (;;) {
        conn_process_buffered(conn);
        if (conn->h2 != NULL) { es_h2_drive(conn); return; }
        if (conn->phase > ES_PHASE_BODY) break;
        if (conn_write_backlogged(conn)) {
            /* Parsing paused for the reader to catch up: write, and carry on parsing if the
               backlog drained (no event would come for bytes already buffered). */
            if (!es_conn_flush(conn)) return;
            if (conn_write_backlogged(conn)) break;
            continue;
        }
        if (!conn->readable) break;
        if (conn->wbuf != NULL && conn->wbuf->len > conn->wbuf->sent && conn->writable) {
            /* Flush answers before blocking in read so a pipelining client sees them soon. */
            if (!es_conn_flush(conn)) return;
        }
        int r = conn_read(conn);
        if (r == CONN_FREED) return;
        if (r == CONN_DRAINING || r == 0) break;
    }
    if (!es_conn_flush(conn)) return;
    if (conn->phase == ES_PHASE_LINGER) {
        if (conn->readable) es_conn_linger_read(conn);
        return;
    }
    /* An idle keep-alive connection gives its read buffer back. */
    if (conn->phase == ES_PHASE_IDLE && conn->rbuf != NULL && conn->rbuf->len == conn->rbuf->start) {
        es_rbuf_give(conn->loop, conn->rbuf);
        conn->rbuf = NULL;
    }
    /* Draining: a connection that just became idle (its last write had been blocked
       when the drain began) is closed now rather than at its idle timeout. */
    if (conn->loop->shutting_down) es_conn_begin_shutdown(conn);
}

void es_conn_on_event(es_conn *conn, uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) conn->readable = conn->writable = 1;
    if (events & EPOLLOUT) conn->writable = 1;
    if (events & (EPOLLIN | EPOLLRDHUP)) conn->readable = 1;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn->peer_hup = 1;
    if (conn->phase == ES_PHASE_DISPATCHED && conn->h2 == NULL) {
        /* Swift holds a request: nothing is parsed until it answers, but earlier answers
           keep flowing, and a connection that failed gives its fd back now (the struct
           waits for the answer, see es_conn_respond). */
        if (events & (EPOLLHUP | EPOLLERR)) { es_conn_close(conn); return; }
        if (conn->writable && conn->wbuf != NULL) es_conn_flush(conn);
        return;
    }
    es_conn_drive(conn);
}

static void conn_respond(es_conn *conn, const es_response *response) {
    if (conn->phase == ES_PHASE_CLOSED) {
        free(conn); /* the peer left while Swift held the request */
        return;
    }
    es_loop *loop = conn->loop;
    es_rbuf *rb = conn->rbuf;
    const es_http1_request *req = &rb->req;
    /* A drain asked for but not yet begun (the loop begins it at its next turn) already
       means Connection: close, so that no answer given after readiness went false invites
       another request. */
    int draining = loop->shutting_down || atomic_load_explicit(&loop->shutdown_requested, memory_order_relaxed);
    int keep_alive = (req->flags & ES_HTTP1_F_KEEP_ALIVE) && !(response->flags & ES_RESPONSE_CLOSE) &&
                     !draining && !conn->peer_gone && !conn->close_after;
    es_response_serialize(conn, response, keep_alive, req->method == ES_METHOD_HEAD,
                          req->version_minor == 0);
    rb->start = rb->next_start;
    es_http1_parser_reset(&rb->parser);
    conn->served_any = 1;
    if (keep_alive && !conn->close_after) {
        conn->phase = ES_PHASE_IDLE;
        es_timer_set(loop, conn, ES_TIMER_IDLE, 1);
    } else {
        conn->close_after = 1;
        conn->phase = ES_PHASE_DRAIN_WRITE;
        es_timer_set(loop, conn, ES_TIMER_WRITE, 1);
    }
    if (!conn->in_dispatch) es_conn_schedule(conn);
}

void es_respond(es_exchange *exchange, const es_response *response) {
    if (*(const uint8_t *)exchange == ES_IO_H2_STREAM)
        es_h2_stream_respond((struct es_h2_stream *)exchange, response);
    else
        conn_respond((es_conn *)exchange, response);
}

