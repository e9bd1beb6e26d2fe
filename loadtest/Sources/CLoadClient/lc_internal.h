/*
 * lc_internal.h: the load client's private structures, shared by its .c files only.
 *
 * A connection is split in three so that other protocols and transports can be added
 * behind the same loop:
 *   - the core (lc_conn.c): socket life, buffers, the in-flight table, timeouts, errors;
 *   - a transport (lc_transport): how bytes move: plain TCP now (lc_tcp.c); TLS would
 *     add a handshake step and wrap read/write;
 *   - a protocol (lc_protocol): how requests become bytes and bytes become completions:
 *     HTTP/1.1 now (lc_http1.c); HTTP/2 would submit streams to an nghttp2 session and
 *     complete slots by stream id instead of in order.
 *
 * Ownership: the loop allocates every connection and their buffers once, in
 * lc_loop_create(); closing a connection resets it for a reconnect and frees nothing.
 */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "lc_client.h"

typedef struct lc_conn lc_conn;

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
    /* Encodes request `slot` into conn->wbuf. 0, or -1 when there is no room. */
    int (*submit)(lc_conn *conn, uint32_t slot, const lc_request *request);
    /* Handles received bytes: calls lc_conn_complete() per response. Returns the bytes used
       (the rest is kept for the next call), or -1 on a framing error. */
    ssize_t (*receive)(lc_conn *conn, const char *data, size_t len);
    /* The peer closed: 1 when that ended the oldest response (completed here), else 0. */
    int (*eof)(lc_conn *conn);
} lc_protocol;

enum lc_conn_state {
    LC_CONN_IDLE = 0,    /* no socket; connects when retry_at_ns passes */
    LC_CONN_CONNECTING,  /* non-blocking connect in progress */
    LC_CONN_OPEN,        /* ready for requests */
    LC_CONN_CLOSING,     /* answered "Connection: close": no new requests */
};

/** A request on the wire. */
typedef struct lc_inflight {
    uint64_t start_ns;     /* latency origin: intended (open loop) or queued (closed loop) time */
    uint64_t sent_ns;      /* when it was queued on this connection: the timeout's origin */
    uint32_t request_index;
    uint32_t next_free;    /* free-list link while unused */
} lc_inflight;

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
    /* Buffers. */
    char *rbuf;
    uint32_t rbuf_cap, rbuf_len;
    char *wbuf;
    uint32_t wbuf_cap, wbuf_len, wbuf_sent;
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
    struct {
        _Atomic uint64_t sent, responses, errors, connects, bytes_in, bytes_out, unsent, finished_ns;
    } counters;
};

extern const lc_transport lc_tcp_transport;
extern const lc_protocol lc_http1_protocol;

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
/* The oldest slot in flight in send order (HTTP/1.1); UINT32_MAX if none. */
uint32_t lc_conn_oldest(const lc_conn *conn);

/* lc_loop.c */
/* One finished request: latency = done_ns - origin_ns (0 for connect errors). */
void lc_loop_emit(lc_loop *loop, uint64_t done_ns, uint64_t origin_ns, uint32_t request_index, uint16_t status,
                  lc_error_kind error);
void lc_loop_mark_dirty(lc_loop *loop, lc_conn *conn);
/* A connection has room again (opened, or a response completed). */
void lc_loop_conn_ready(lc_loop *loop, lc_conn *conn);

#endif /* LC_INTERNAL_H */
