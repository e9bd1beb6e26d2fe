/*
 * es_h1_conn.c: the HTTP/1.1 connection state machine, on top of the core's connection
 * (core/es_conn.c): read, parse, dispatch, respond, and the protocol's timeouts and
 * shutdown. A connection that turns out to speak HTTP/2 (the client preface, or
 * Upgrade: h2c) is handed to it through the core.
 *
 * Requests on a connection are handled one at a time, in order: while Swift holds a
 * request nothing more is parsed, so pipelined responses can never be reordered. Requests
 * that Swift answers inline (the common case) are parsed and answered back to back, and
 * all their responses leave in one write at the end of the pass.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_h1_conn.h"

enum { CONN_FREED = -1, CONN_DRAINING = -2 };

enum {
    ES_WRITE_BACKLOG = 256 * 1024,     /* stop parsing pipelined requests above this */
    ES_CHUNKED_SLACK = 64 * 1024,      /* raw framing room beyond max_body for chunked */
};

/* ---- reading and parsing ---------------------------------------------------------- */

static int conn_write_backlogged(const es_conn *conn) {
    return conn->wbuf != NULL && conn->wbuf->len - conn->wbuf->sent > ES_WRITE_BACKLOG;
}

/* The parsed request as Swift (and an h2c upgrade) receives it: pointers into the read
   buffer, no copy. */
static inline es_request conn_request(const es_conn *conn, es_rbuf *rb) {
    const es_h1_read_state *st = es_h1_state(rb);
    const es_http1_request *req = &st->req;
    es_request request = {
        .method = req->method, .proto = ES_PROTO_HTTP1, .tls = conn->tls, .stream_id = 0,
        .conn_id = conn->id, .received_ns = conn->loop->woke_ns,
        .target = req->target, .path = req->path, .query = req->query, .authority = req->authority,
        .target_len = req->target_len, .path_len = req->path_len, .query_len = req->query_len,
        .authority_len = req->authority_len,
        .fields = req->headers, .field_count = req->header_count,
        .body = st->body_len > 0 ? rb->data + st->body_start : NULL, .body_len = st->body_len,
    };
    return request;
}

static void conn_dispatch(es_conn *conn) {
    es_loop *loop = conn->loop;
    conn->phase = ES_H1_DISPATCHED;
    es_timer_set(loop, conn, ES_TIMER_NONE, 1);
    conn->proto_flags |= ES_H1_IN_DISPATCH;
    es_request request = conn_request(conn, conn->rbuf);
    loop->callbacks.on_request(loop->callbacks.ctx, (es_exchange *)conn, &request);
    conn->proto_flags &= (uint8_t)~ES_H1_IN_DISPATCH;
}

/* Answers a malformed request with the parser's verdict, and closes once that is written. */
static void conn_fail(es_conn *conn, const es_http1_error *error) {
    es_h1_write_error(conn, error->status, error->code, error->message);
    es_conn_close_after_write(conn);
}

/* The connection is still HTTP/1.1's, open, and reading requests. */
static inline int conn_reading(const es_conn *conn) {
    return conn->state == ES_CONN_OPEN && conn->phase <= ES_H1_BODY;
}

/* Parses and dispatches every complete request in the read buffer, stopping when one is
   incomplete, when Swift holds one, when the connection is closing, or when it turned to
   HTTP/2. Returns CONN_FREED when the connection was closed (do not touch it again). */
static int conn_process_buffered(es_conn *conn) {
    es_loop *loop = conn->loop;
    const es_http1_limits *limits = &loop->config.limits;
    while (conn->rbuf != NULL && conn_reading(conn)) {
        if (conn_write_backlogged(conn)) return 0;
        es_rbuf *rb = conn->rbuf;
        es_h1_read_state *st = es_h1_state(rb);
        es_http1_request *req = &st->req;
        if (conn->phase != ES_H1_BODY) {
            if (rb->len == rb->start) {
                rb->len = rb->start = 0;
                return 0;
            }
            if (conn->phase == ES_H1_IDLE) {
                conn->phase = ES_H1_HEAD;
                es_timer_set(loop, conn, ES_TIMER_HEAD, 1);
            }
            if (!(conn->proto_flags & ES_H1_SERVED_ANY) && rb->start == 0 && !conn->tls && loop->config.h2c) {
                /* HTTP/2 with prior knowledge: the client preface, as its bytes arrive. */
                int preface = es_http2_preface_match(rb->data, rb->len);
                if (preface == 0) return 0;
                if (preface == 1) return es_conn_start(conn, ES_PROTO_HTTP2) == 0 ? 0 : CONN_FREED;
            }
            int r = es_http1_parse_head(&st->parser, rb->data + rb->start, rb->len - rb->start,
                                        limits, req, st->headers, limits->max_header_count);
            if (r == ES_HTTP1_INCOMPLETE) return 0;
            if (r == ES_HTTP1_ERROR) { conn_fail(conn, &st->parser.error); return 0; }
            st->body_start = rb->start + req->head_len;
            st->body_len = 0;
            if (!(req->flags & ES_HTTP1_F_CHUNKED) && req->content_length <= 0) {
                st->next_start = st->body_start;
                const es_http1_header *settings = es_h1_upgrade_settings(conn, req);
                if (settings != NULL) {
                    es_request request = conn_request(conn, rb);
                    if (es_conn_upgrade(conn, ES_PROTO_HTTP2, &request, settings->value, settings->value_len) == 0) {
                        rb->start = st->next_start; /* what follows the request is HTTP/2 */
                        return 0; /* the request became stream 1 */
                    }
                }
                conn_dispatch(conn);
                continue;
            }
            if (req->flags & ES_HTTP1_F_CHUNKED) es_http1_chunked_decoder_reset(&st->chunked);
            conn->phase = ES_H1_BODY;
            es_timer_set(loop, conn, ES_TIMER_BODY, 1);
            /* The client waits for 100 Continue before sending the body (RFC 9110 §10.1.1). */
            if ((req->flags & ES_HTTP1_F_EXPECT_CONTINUE) && req->version_minor == 1 &&
                rb->len == st->body_start)
                es_h1_write_continue(conn);
        }
        if (req->flags & ES_HTTP1_F_CHUNKED) {
            uint32_t decode_at = st->body_start + st->body_len;
            size_t decoded = 0, consumed = 0;
            int r = es_http1_chunked_decode(&st->chunked, rb->data + decode_at, rb->len - decode_at,
                                            limits, &decoded, &consumed);
            st->body_len += (uint32_t)decoded;
            if (r == ES_HTTP1_ERROR) { conn_fail(conn, &st->chunked.error); return 0; }
            if (r == ES_HTTP1_INCOMPLETE) {
                rb->len = st->body_start + st->body_len; /* every raw byte was used */
                return 0;
            }
            st->next_start = decode_at + (uint32_t)consumed;
        } else {
            if ((uint64_t)(rb->len - st->body_start) < (uint64_t)req->content_length) return 0;
            st->body_len = (uint32_t)req->content_length;
            st->next_start = st->body_start + st->body_len;
        }
        conn_dispatch(conn);
    }
    return 0;
}

/* Moves a pointer that pointed into old_data so it points at the same byte of new_data.
   Pointers outside the old data (the parser's static "/" and "") are left alone. */
static const char *rebase(const char *p, const char *old_data, uint32_t old_len, const char *new_data) {
    if (p == NULL || p < old_data || p > old_data + old_len) return p;
    return new_data + (p - old_data);
}

/* Points the parsed request at a grown buffer's copy of its bytes. */
static void rebase_request(es_h1_read_state *st, const char *old_data, uint32_t old_len, const char *new_data) {
    es_http1_request *req = &st->req;
    req->target = rebase(req->target, old_data, old_len, new_data);
    req->path = rebase(req->path, old_data, old_len, new_data);
    req->query = rebase(req->query, old_data, old_len, new_data);
    req->authority = rebase(req->authority, old_data, old_len, new_data);
    if (req->headers == NULL) return;
    req->headers = st->headers;
    for (uint32_t i = 0; i < req->header_count; i++) {
        st->headers[i].name = rebase(st->headers[i].name, old_data, old_len, new_data);
        st->headers[i].value = rebase(st->headers[i].value, old_data, old_len, new_data);
    }
}

/* Makes room for the next read. Returns 0 if the request had to be refused. */
static int conn_make_room(es_conn *conn) {
    es_rbuf *rb = conn->rbuf;
    if (rb->len < rb->cap) return 1;
    if (conn->phase != ES_H1_BODY && rb->start > 0) {
        /* A pipelined head straddles the end: slide it to the front (nothing points into
           it yet; the parser keeps offsets relative to the request's start). */
        memmove(rb->data, rb->data + rb->start, rb->len - rb->start);
        rb->len -= rb->start;
        rb->start = 0;
        return 1;
    }
    if (conn->phase == ES_H1_BODY) {
        const es_h1_read_state *st = es_h1_state(rb);
        const es_http1_request *req = &st->req;
        uint64_t needed = req->flags & ES_HTTP1_F_CHUNKED
            ? (uint64_t)st->body_start + conn->loop->config.limits.max_body + ES_CHUNKED_SLACK
            : (uint64_t)st->body_start + (uint64_t)req->content_length;
        uint64_t want = (uint64_t)rb->cap * 2 < needed ? (uint64_t)rb->cap * 2 : needed;
        if (want > rb->cap && want < UINT32_MAX) {
            es_rbuf *bigger = es_rbuf_grow(conn->loop, rb, (uint32_t)want);
            if (bigger != NULL) {
                rebase_request(es_h1_state(bigger), rb->data, rb->len, bigger->data);
                es_rbuf_give(conn->loop, rb);
                conn->rbuf = bigger;
                return 1;
            }
        }
    }
    static const es_http1_error too_large = {413, "content_too_large", "The request is larger than this server accepts"};
    conn_fail(conn, &too_large);
    return 0;
}

/* One read. Returns 1 on progress, 0 when drained (EAGAIN), CONN_FREED when the connection
   was closed (do not touch it again), CONN_DRAINING when it only has answers left to write. */
static int conn_read(es_conn *conn) {
    es_loop *loop = conn->loop;
    if (conn->rbuf == NULL) {
        conn->rbuf = es_rbuf_take(loop);
        if (conn->rbuf == NULL) { es_conn_close(conn); return CONN_FREED; }
        es_http1_parser_reset(&es_h1_state(conn->rbuf)->parser);
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
        if (conn->phase == ES_H1_BODY) es_timer_set(loop, conn, ES_TIMER_BODY, 1);
        return 1;
    }
    if (n == ES_IO_AGAIN) return 0;
    /* EOF or a socket error. An unfinished request can never finish; answers already
       queued for earlier requests are still written. */
    conn->peer_gone = 1;
    conn->readable = 0;
    if (n == 0 && conn->wbuf != NULL) {
        es_conn_close_after_write(conn);
        return CONN_DRAINING;
    }
    es_conn_close(conn);
    return CONN_FREED;
}

/* ---- writing ---------------------------------------------------------------------- */

/* The core's flush, then this protocol's timer again once nothing is left to write.
   Returns 0 when the connection was closed. */
static int conn_flush(es_conn *conn) {
    if (!es_conn_flush(conn)) return 0;
    if (conn->wbuf == NULL && conn->timer_kind == ES_TIMER_WRITE && conn->state == ES_CONN_OPEN) {
        static const uint8_t timer_for_phase[] = {
            [ES_H1_IDLE] = ES_TIMER_IDLE, [ES_H1_HEAD] = ES_TIMER_HEAD,
            [ES_H1_BODY] = ES_TIMER_BODY, [ES_H1_DISPATCHED] = ES_TIMER_NONE,
        };
        es_timer_set(conn->loop, conn, timer_for_phase[conn->phase], 1);
    }
    return 1;
}

/* ---- driving ---------------------------------------------------------------------- */

static void conn_shutdown(es_conn *conn);

static void conn_drive(es_conn *conn) {
    for (;;) {
        if (conn_process_buffered(conn) == CONN_FREED) return;
        if (conn->proto != ES_PROTO_HTTP1) { es_conn_drive(conn); return; } /* now HTTP/2 */
        if (!conn_reading(conn)) break;
        if (conn_write_backlogged(conn)) {
            /* Parsing paused for the reader to catch up: write, and carry on parsing if the
               backlog drained (no event would come for bytes already buffered). */
            if (!conn_flush(conn)) return;
            if (conn_write_backlogged(conn)) break;
            continue;
        }
        if (!conn->readable) break;
        if (conn->wbuf != NULL && conn->wbuf->len > conn->wbuf->sent && conn->writable) {
            /* Flush answers before blocking in read so a pipelining client sees them soon. */
            if (!conn_flush(conn)) return;
        }
        int r = conn_read(conn);
        if (r == CONN_FREED) return;
        if (r == CONN_DRAINING || r == 0) break;
    }
    if (!conn_flush(conn)) return;
    if (conn->state == ES_CONN_LINGER) {
        if (conn->readable) es_conn_linger_read(conn);
        return;
    }
    /* An idle keep-alive connection gives its read buffer back. */
    if (conn->phase == ES_H1_IDLE && conn->rbuf != NULL && conn->rbuf->len == conn->rbuf->start) {
        es_rbuf_give(conn->loop, conn->rbuf);
        conn->rbuf = NULL;
    }
    /* Draining: a connection that just became idle (its last write had been blocked
       when the drain began) is closed now rather than at its idle timeout. */
    if (conn->loop->shutting_down && conn->state == ES_CONN_OPEN) conn_shutdown(conn);
}

static void conn_ready(es_conn *conn, uint32_t events) {
    if (conn->phase == ES_H1_DISPATCHED) {
        /* Swift holds a request: nothing is parsed until it answers, but earlier answers
           keep flowing, and a connection that failed gives its fd back now (the struct
           waits for the answer, see es_h1_respond). */
        if (events & (EPOLLHUP | EPOLLERR)) { es_conn_close(conn); return; }
        if (conn->writable && conn->wbuf != NULL) conn_flush(conn);
        return;
    }
    conn_drive(conn);
}

/* ---- the protocol's own timers, shutdown and close ------------------------------- */

static int conn_start(es_conn *conn) {
    conn->phase = ES_H1_HEAD;
    es_timer_set(conn->loop, conn, ES_TIMER_HEAD, 1);
    if (conn->rbuf != NULL) es_http1_parser_reset(&es_h1_state(conn->rbuf)->parser);
    return 0;
}

static void conn_timeout(es_conn *conn) {
    switch (conn->timer_kind) {
    case ES_TIMER_HEAD:
        if (conn->rbuf != NULL && conn->rbuf->len > conn->rbuf->start) break; /* 408 below */
        es_conn_close(conn); /* nothing was sent: just close */
        return;
    case ES_TIMER_BODY:
        break;
    default: /* idle */
        es_conn_close(conn);
        return;
    }
    static const es_http1_error timeout = {408, "request_timeout", "The request did not arrive in time"};
    conn_fail(conn, &timeout);
    es_conn_flush(conn);
}

/* Graceful shutdown: an idle connection closes now; a busy one after its answer. */
static void conn_shutdown(es_conn *conn) {
    int idle = (conn->phase == ES_H1_IDLE || conn->phase == ES_H1_HEAD) &&
               (conn->rbuf == NULL || conn->rbuf->len == conn->rbuf->start) && conn->wbuf == NULL;
    if (idle) es_conn_close(conn);
}

/* The socket closed: a request Swift holds keeps the connection until it is answered.
   Swift hears of it last: an answer from inside on_cancel finds the connection closed and
   frees it (es_h1_respond), so nothing may touch it after the call. */
static int conn_closed(es_conn *conn) {
    if (conn->phase != ES_H1_DISPATCHED) return 0;
    es_loop *loop = conn->loop;
    if (loop->callbacks.on_cancel != NULL)
        loop->callbacks.on_cancel(loop->callbacks.ctx, (es_exchange *)conn);
    return 1;
}

/* The parse state and room for as many header fields as the limits allow. */
static size_t conn_rbuf_state_size(const es_loop_config *config) {
    return sizeof(es_h1_read_state) + (size_t)config->limits.max_header_count * sizeof(es_http1_header);
}

const es_protocol es_h1_protocol = {
    .start = conn_start,
    .upgrade = NULL,
    .ready = conn_ready,
    .timeout = conn_timeout,
    .shutdown = conn_shutdown,
    .rbuf_state_size = conn_rbuf_state_size,
    .closed = conn_closed,
};

/* ---- answering -------------------------------------------------------------------- */

void es_h1_respond(es_conn *conn, const es_response *response) {
    if (conn->state == ES_CONN_CLOSED) {
        es_conn_free(conn); /* the peer left while Swift held the request */
        return;
    }
    es_loop *loop = conn->loop;
    es_rbuf *rb = conn->rbuf;
    es_h1_read_state *st = es_h1_state(rb);
    const es_http1_request *req = &st->req;
    /* A drain asked for but not yet begun (the loop begins it at its next turn) already
       means Connection: close, so that no answer given after readiness went false invites
       another request. */
    int draining = loop->shutting_down || atomic_load_explicit(&loop->shutdown_requested, memory_order_relaxed);
    int keep_alive = (req->flags & ES_HTTP1_F_KEEP_ALIVE) && !(response->flags & ES_RESPONSE_CLOSE) &&
                     !draining && !conn->peer_gone && !(conn->proto_flags & ES_H1_CLOSE_AFTER);
    es_h1_serialize(conn, response, keep_alive, req->method == ES_METHOD_HEAD, req->version_minor == 0);
    rb->start = st->next_start;
    es_http1_parser_reset(&st->parser);
    conn->proto_flags |= ES_H1_SERVED_ANY;
    if (keep_alive && !(conn->proto_flags & ES_H1_CLOSE_AFTER)) {
        conn->phase = ES_H1_IDLE;
        es_timer_set(loop, conn, ES_TIMER_IDLE, 1);
    } else {
        conn->phase = ES_H1_IDLE;
        es_conn_close_after_write(conn);
    }
    if (!(conn->proto_flags & ES_H1_IN_DISPATCH)) es_conn_schedule(conn);
}
