/*
 * lc_internal.h: the load client's private structures, shared by its .c files only.
 *
 * A connection is split in three:
 *   - the core (lc_conn.c): socket life, buffers, the in-flight table, timeouts, errors;
 *   - a transport (lc_transport): how bytes move: plain TCP (lc_tcp.c) or TLS (lc_tls.c,
 *     whose handshake also picks the protocol by ALPN);
 *   - a protocol (lc_protocol): how requests become bytes and bytes become completions:
 *     HTTP/1.1 (lc_http1.c, in order) or HTTP/2 (lc_h2.c, an nghttp2 client session that
 *     completes slots by stream, in any order).
 *
 * Ownership: the loop allocates every connection and their buffers once, in
 * lc_loop_create(); closing a connection resets it for a reconnect and frees nothing of
 * the core's. Per connection, not per request: a TLS connection's SSL (made at connect,
 * freed at close) and an HTTP/2 connection's nghttp2 session (likewise). nghttp2 itself
 * allocates a stream record per request inside the session; that is its own pool.
 */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "lc_client.h"

typedef struct lc_conn lc_conn;
struct nghttp2_session;
struct nghttp2_session_callbacks;
struct ssl_st;
struct ssl_ctx_st;

/** A table request as HTTP/2 header fields, made once before the run (lc_h2_request.c). */
typedef struct lc_h2_request {
    void *nv;                /* nghttp2_nv[nvlen], pseudo-headers first; strings point into `storage` or the request bytes */
    size_t nvlen;
    const char *body;        /* into the request's bytes */
    uint32_t body_len;
    char *storage;           /* owns nv and the lower-cased names */
    int32_t trace_field;     /* index in nv of the traceparent placeholder, or -1 */
} lc_h2_request;

/** How bytes move over a connected socket. */
typedef struct lc_transport {
    const char *name;
    /* Called once the TCP connect finished: 1 ready, 0 wants more I/O (a TLS handshake), -1 failed. */
    int (*established)(lc_conn *conn);
    /* read(2)/write(2) semantics: > 0 bytes, 0 EOF (read only), -1 with errno. */
    ssize_t (*read)(lc_conn *conn, char *buf, size_t len);
    ssize_t (*write)(lc_conn *conn, const char *buf, size_t len);
    /* Before close(2); frees per-connection transport state, if any. */
    void (*shutdown)(lc_conn *conn);
} lc_transport;

/** How requests and responses are framed. */
typedef struct lc_protocol {
    const char *name;
    /* The connection is ready: reset the per-connection protocol state. */
    void (*open)(lc_conn *conn);
    /* Encodes request `slot` into conn->wbuf (h1) or the session (h2). 0, or -1 when there
       is no room (nothing was queued). */
    int (*submit)(lc_conn *conn, uint32_t slot, const lc_request *request);
    /* Whether the protocol takes another request now (NULL: always, within max_inflight). */
    int (*has_room)(const lc_conn *conn);
    /* Before a write: moves bytes the protocol has queued elsewhere into conn->wbuf
       (NULL for h1, which writes there directly). 0, or -1 on a session error. */
    int (*produce)(lc_conn *conn);
    /* Handles received bytes: calls lc_conn_complete() per response. Returns the bytes used
       (the rest is kept for the next call), or -1 on a framing error. */
    ssize_t (*receive)(lc_conn *conn, const char *data, size_t len);
    /* The peer closed: 1 when that ended the oldest response (completed here), else 0. */
    int (*eof)(lc_conn *conn);
} lc_protocol;

enum lc_conn_state {
    LC_CONN_IDLE = 0,    /* no socket; connects when retry_at_ns passes */
    LC_CONN_CONNECTING,  /* non-blocking connect in progress */
    LC_CONN_HANDSHAKE,   /* connected; the transport's handshake goes on */
    LC_CONN_OPEN,        /* ready for requests */
    LC_CONN_CLOSING,     /* answered "Connection: close": no new requests */
};

/** A request on the wire. */
typedef struct lc_inflight {
    uint64_t start_ns;     /* latency origin: intended (open loop) or queued (closed loop) time */
    uint64_t sent_ns;      /* when it was queued on this connection: the timeout's origin */
    uint32_t request_index;
    uint32_t next_free;    /* free-list link while unused */
    uint32_t body_offset;  /* h2: request body bytes handed to the session */
    uint16_t status;       /* h2: the response's :status so far (0: none yet) */
    uint32_t bytes_in;     /* response bytes received so far (lc_sample.bytes_in) */
    uint64_t trace_seq;    /* its number in the loop's trace sequence (lc_loop.trace_next) */
    uint32_t body_len;     /* LC_REQUEST_KEEP_BODY: body bytes kept in the connection's bodies */
    uint8_t body_too_large; /* ... and the body was longer than body_limit */
    char traceparent[LC_TRACEPARENT_LEN]; /* h2: the value its HEADERS carry (nghttp2 does not copy it) */
} lc_inflight;

/* Adds n response bytes to a slot's count; saturates at UINT32_MAX. */
static inline void lc_inflight_add_bytes(lc_inflight *slot, size_t n) {
    slot->bytes_in = n >= (size_t)(UINT32_MAX - slot->bytes_in) ? UINT32_MAX : slot->bytes_in + (uint32_t)n;
}

struct lc_conn {
    lc_loop *loop;
    const lc_transport *transport;
    const lc_protocol *protocol;
    int fd;
    uint8_t state;              /* enum lc_conn_state */
    uint8_t dirty;              /* on the loop's flush list */
    uint32_t index;
    uint64_t retry_at_ns;       /* IDLE: when to connect again */
    uint64_t connect_ns;        /* CONNECTING: when the attempt began */
    /* Slots: a table of max_inflight entries, with a free list. */
    lc_inflight *slots;
    uint32_t max_inflight;      /* pipeline depth (h1) or concurrent streams (h2) */
    uint32_t inflight;
    uint32_t free_slot;
    /* HTTP/1.1: slots in send order (a ring of max_inflight). */
    uint32_t *order;
    uint32_t order_head, order_count;
    lc_h1_response_parser h1;
    uint8_t h1_active;          /* the parser has begun the oldest response */
    /* HTTP/2: the session, and output it produced that did not fit in wbuf yet (points
       into the session's buffer, valid until the next nghttp2_session_mem_send). */
    struct nghttp2_session *h2;
    const uint8_t *h2_pending;
    size_t h2_pending_len;
    uint8_t h2_ready;           /* the server's SETTINGS arrived: its stream limit is known */
    /* TLS. */
    struct ssl_st *ssl;
    /* Buffers. */
    char *rbuf;
    uint32_t rbuf_cap, rbuf_len;
    char *wbuf;
    uint32_t wbuf_cap, wbuf_len, wbuf_sent;
    /* LC_REQUEST_KEEP_BODY: body_limit bytes per slot (NULL when no request keeps its body). */
    char *bodies;
};

struct lc_loop {
    lc_loop_config config;
    int epoll_fd;
    int timer_fd;                    /* open loop: wakes at the next intended time */
    uint64_t armed_ns;               /* what timer_fd is armed for (0: disarmed) */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    int open_loop;
    lc_conn *conns;
    uint32_t conn_count;
    uint32_t rr_cursor;              /* open loop: next connection to try */
    uint32_t *dirty;                 /* connections with bytes to write */
    uint32_t dirty_count;
    uint64_t issued;                 /* requests taken from the table */
    uint64_t issue_limit;            /* max_requests, or UINT64_MAX */
    uint64_t send_until_ns;          /* start + duration, or UINT64_MAX */
    uint64_t drain_deadline_ns;      /* set when sending stops */
    uint32_t cursor;                 /* next request in the table */
    uint32_t longest_request;        /* bytes of the table's longest request */
    int sending;                     /* still taking new requests */
    int started;                     /* start_ns has passed: closed-loop connections fill */
    atomic_int stop_requested;
    lc_sample *samples;
    uint32_t sample_count;
    uint64_t next_flush_ns;
    uint64_t next_sweep_ns;
    const lc_transport *transport;   /* every connection's */
    const lc_protocol *protocol;     /* before ALPN picks one (TLS), or for good (cleartext) */
    lc_h2_request *h2_requests;      /* the table as HTTP/2 fields, when h2 may be spoken */
    struct nghttp2_session_callbacks *h2_callbacks;
    struct ssl_ctx_st *ssl_ctx;
    char *server_name;               /* TLS: the loop's copy of tls_server_name (or host) */
    struct {
        _Atomic uint64_t sent, responses, errors, connects, bytes_in, bytes_out, unsent, finished_ns,
            connects_h2, tls_failures, trace_sampled;
    } counters;
    lc_stage *stages;                /* the loop's prepared copy of schedule.stages, or NULL */
    lc_stage *conn_stages;           /* the loop's prepared copy of config.conn_stages, or NULL */
    uint32_t active_conns;           /* connections in use: those with index < this take requests */
    uint64_t trace_next;             /* the next request's trace_seq */
    int keeps_bodies;                /* some request has LC_REQUEST_KEEP_BODY */
    char *arena;                     /* kept bodies of the samples waiting for on_samples */
    uint32_t arena_cap, arena_len;
    void *h2_nv;                     /* h2 with traceparent: nghttp2_nv scratch of the longest field list */
};

extern const lc_transport lc_tcp_transport;
extern const lc_transport lc_tls_transport;
extern const lc_protocol lc_http1_protocol;
extern const lc_protocol lc_h2_protocol;

/* lc_h2.c: the loop's session callbacks (NULL on failure); DATA is counted per stream and kept
   for requests with LC_REQUEST_KEEP_BODY (keep_bodies is unused). */
struct nghttp2_session_callbacks *lc_h2_callbacks_new(int keep_bodies);
void lc_h2_callbacks_free(struct nghttp2_session_callbacks *callbacks);

/* lc_h2_request.c: the table as HTTP/2 fields; NULL on a request that cannot be
   translated (errno EINVAL) or ENOMEM. A request's trace_offset names its traceparent field. */
lc_h2_request *lc_h2_requests_build(const lc_request *requests, uint32_t count, int tls);
void lc_h2_requests_free(lc_h2_request *requests, uint32_t count);

/* lc_tls.c: the loop's client context (NULL on failure). */
struct ssl_ctx_st *lc_tls_context_new(const lc_loop_config *config);
void lc_tls_context_free(struct ssl_ctx_st *ctx);

/* lc_conn.c */
int lc_conn_init(lc_loop *loop, lc_conn *conn, uint32_t index);
void lc_conn_free(lc_conn *conn);
void lc_conn_connect(lc_conn *conn, uint64_t now_ns);
void lc_conn_on_event(lc_conn *conn, uint32_t events);
int lc_conn_can_submit(const lc_conn *conn, const lc_request *request);
/* Queues a request; 0, or -1 when the protocol had no room (nothing was queued). */
int lc_conn_submit(lc_conn *conn, uint32_t request_index, uint64_t start_ns);
void lc_conn_flush(lc_conn *conn);
/* Reports everything in flight as `kind`, closes, and lets the sweep reconnect. */
void lc_conn_fail(lc_conn *conn, lc_error_kind kind);
void lc_conn_sweep(lc_conn *conn, uint64_t now_ns);
/* Called by a protocol when the response for `slot` is complete. */
void lc_conn_complete(lc_conn *conn, uint32_t slot, uint16_t status);
/* Called by a protocol when one request failed and its connection goes on (h2 stream reset). */
void lc_conn_fail_slot(lc_conn *conn, uint32_t slot, lc_error_kind kind);
/* Where slot's kept body goes (connections of a loop that keeps bodies). */
static inline char *lc_conn_body(const lc_conn *conn, uint32_t slot) {
    return conn->bodies + (size_t)slot * conn->loop->config.body_limit;
}
/* The oldest slot in flight in send order (HTTP/1.1); UINT32_MAX if none. */
uint32_t lc_conn_oldest(const lc_conn *conn);

/* lc_loop.c */
/* lc_samples.c: hands the batch (and the bodies it points to) to on_samples, and starts a new one. */
void lc_loop_flush_samples(lc_loop *loop);
/* One finished request: latency = done_ns - origin_ns (0 for connect errors). */
void lc_loop_emit(lc_loop *loop, uint64_t done_ns, uint64_t origin_ns, uint32_t request_index, uint16_t status,
                  lc_error_kind error);
/* The same for a request's slot: its trace_seq and response bytes, and its kept body when `body` is not NULL
   (copied into the loop's arena until the next on_samples). */
void lc_loop_emit_slot(lc_loop *loop, uint64_t done_ns, const lc_inflight *slot, uint16_t status,
                       lc_error_kind error, const char *body);
/* Writes a request's traceparent (LC_TRACEPARENT_LEN bytes) from the loop's prefix. */
void lc_loop_trace(const lc_loop *loop, uint64_t seq, char *out);
/* Whether request `seq`'s traceparent has the sampled flag. */
int lc_loop_trace_sampled(const lc_loop *loop, uint64_t seq);
void lc_loop_mark_dirty(lc_loop *loop, lc_conn *conn);
/* A connection has room again (opened, or a response completed). */
void lc_loop_conn_ready(lc_loop *loop, lc_conn *conn);

#endif /* LC_INTERNAL_H */
