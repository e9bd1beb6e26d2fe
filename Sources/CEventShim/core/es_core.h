/*
 * Layer: core/, the bottom of the shim. It owns the epoll loop, the listeners and accept,
 * timers, the buffer pools, the protocol-blind connection (readiness, socket I/O with TLS
 * beneath it, flush with backpressure, close and linger), the Date cache, the method
 * table and the JSON error-body writer. It calls nothing in http1/ or http2/: a protocol
 * installs an es_protocol table, and the core reaches it only through that table
 * (scripts/check-c-layers.py holds this).
 *
 * es_core.h: the loop's private structures, shared by the shim's .c files only.
 *
 * Ownership: a loop owns its listeners, its connections and its buffer pools. A connection
 * owns at most one read buffer and one write buffer, both taken from the pool when needed
 * and given back as soon as they are empty, so an idle keep-alive connection holds only
 * its small es_conn struct. What a protocol keeps per connection hangs off proto_state
 * (or lives in the protocol's own bits of es_conn); the protocol frees it when the core
 * tells it the socket closed.
 */
#ifndef ES_CORE_H
#define ES_CORE_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include "es_loop.h"

/* What an epoll registration or an es_exchange points at: the first byte of each of these
   structs. An exchange is an es_conn (HTTP/1.1) or an es_h2_stream (HTTP/2). */
enum { ES_IO_CONN = 1, ES_IO_LISTENER = 2, ES_IO_WAKE = 3, ES_IO_H2_STREAM = 4 };

/* What the core knows of a connection's life. Where it is in a protocol's request cycle is
   the protocol's own business (es_conn.phase). */
enum es_conn_state {
    ES_CONN_OPEN = 0,     /* a protocol drives it */
    ES_CONN_HANDSHAKE,    /* TLS handshake in progress; ALPN then picks the protocol */
    ES_CONN_CLOSING,      /* the last answer is queued: close once it is written */
    ES_CONN_LINGER,       /* write side shut; discarding input briefly before close */
    ES_CONN_CLOSED,       /* fd closed while the protocol still holds a request (Swift has it);
                             the protocol frees the struct (es_conn_free) when it is answered */
};

/* Which timeout is running for a connection; each has its own list. */
enum es_timer_kind {
    ES_TIMER_NONE = 0,    /* dispatched or closed: no timeout, membership only */
    /* Protocol timeouts: on expiry the core asks the protocol (es_protocol.timeout). */
    ES_TIMER_HEAD,        /* header_timeout_ms, from the request's first byte */
    ES_TIMER_BODY,        /* body_timeout_ms, restarted on each read */
    ES_TIMER_IDLE,        /* idle_timeout_ms, keep-alive between requests */
    /* The core's own: on expiry the connection closes. */
    ES_TIMER_WRITE,       /* write_timeout_ms, restarted on each write progress */
    ES_TIMER_LINGER,      /* a short drain of input before close */
    ES_TIMER_HANDSHAKE,   /* handshake_timeout_ms, from accept (TLS only) */
    ES_TIMER_COUNT
};

/* Read buffer: one allocation holding this header, then what the protocol keeps with the
   buffer (loop->rbuf_state_size bytes at es_rbuf_state: HTTP/1.1's parse state, so that an
   idle connection, which has no buffer, needs none), then `cap` data bytes. */
typedef struct es_rbuf {
    struct es_rbuf *next_free;      /* pool link */
    uint32_t cap;                   /* bytes of `data` */
    uint32_t len;                   /* bytes of `data` in use */
    uint32_t start;                 /* first byte the protocol has not consumed */
    uint8_t pooled;                 /* standard size: goes back to the pool */
    char *data;
} es_rbuf;

/* The protocol's state in a read buffer; not cleared between uses. */
static inline void *es_rbuf_state(es_rbuf *rbuf) { return rbuf + 1; }

/* Write buffer: serialized responses waiting for the socket. */
typedef struct es_wbuf {
    struct es_wbuf *next_free;
    uint32_t cap;
    uint32_t len;
    uint32_t sent;
    uint8_t pooled;
    char data[];
} es_wbuf;

struct es_conn {
    uint8_t io_kind;                /* ES_IO_CONN */
    uint8_t state;                  /* enum es_conn_state */
    uint8_t timer_kind;             /* enum es_timer_kind: the list it is on */
    uint8_t proto;                  /* ES_PROTO_*: whose table drives it (0 during the handshake) */
    uint8_t phase;                  /* the protocol's: where it is in its request cycle */
    uint8_t proto_flags;            /* the protocol's */
    uint8_t readable : 1;           /* edge-triggered readiness, cleared on EAGAIN */
    uint8_t writable : 1;
    uint8_t pending : 1;            /* on the loop's pending list */
    uint8_t peer_gone : 1;          /* read returned 0 or the socket failed */
    uint8_t peer_hup : 1;           /* epoll saw EPOLLRDHUP: read on to the EOF */
    uint8_t tls : 1;                /* ssl is set: bytes go through OpenSSL */
    int fd;
    uint64_t id;
    uint64_t deadline_ms;           /* for the timer list it is on */
    es_conn *timer_prev, *timer_next;
    es_conn *pending_next;
    es_loop *loop;
    es_rbuf *rbuf;
    es_wbuf *wbuf;
    struct ssl_st *ssl;             /* TLS state; NULL in cleartext */
    void *proto_state;              /* the protocol's (HTTP/2: its session) */
};

/*
 * What a protocol installs: the core calls a connection's protocol through this table
 * only. Every entry runs on the loop's thread and may close the connection
 * (es_conn_close), after which the connection must not be touched.
 */
typedef struct es_protocol {
    /* Takes a connection over: a new cleartext one (HTTP/1.1), or one that ALPN or the
       client preface chose. 0, or -1 to close it. */
    int (*start)(es_conn *conn);
    /* Takes over from another protocol the request that asked to switch (h2c) and the
       connection with it; `settings` is what the request carried for the new protocol.
       0 when switched, -1 to stay with the old protocol (at most an empty write buffer was
       reserved). NULL: no upgrade into it. */
    int (*upgrade)(es_conn *conn, const es_request *request, const char *settings, size_t settings_len);
    /* Readiness arrived (the epoll events), or the connection was scheduled (0): read,
       process and write as far as possible. */
    void (*ready)(es_conn *conn, uint32_t events);
    /* One of its timers (HEAD, BODY, IDLE) expired. */
    void (*timeout)(es_conn *conn);
    /* A graceful shutdown began: close when idle, let what is in flight finish. */
    void (*shutdown)(es_conn *conn);
    /* Bytes it keeps in each read buffer (es_rbuf_state) under this configuration; NULL
       for none. */
    size_t (*rbuf_state_size)(const es_loop_config *config);
    /* The socket was closed (the connection is in ES_CONN_CLOSED, its buffers given back):
       release what the protocol keeps. Returns 1 when it still holds a request Swift has
       (the struct then waits until the answer comes and the protocol calls es_conn_free;
       after telling Swift, it may be freed already), 0 to let the core free it now. */
    int (*closed)(es_conn *conn);
} es_protocol;

enum { ES_PROTOCOLS = 3 }; /* indexed by ES_PROTO_*; 0 is unused */

/* A listening socket; TLS when tls is set. */
typedef struct es_listener {
    uint8_t io_kind;                /* ES_IO_LISTENER */
    uint8_t readable;
    int fd;
    es_tls_context *tls;
} es_listener;

enum { ES_MAX_LISTENERS = 2 };

/* A FIFO of connections sharing one timeout: appending keeps it sorted by deadline. */
typedef struct es_timer_list {
    es_conn *head, *tail;
    uint32_t timeout_ms;            /* 0: no timeout (the list only tracks membership) */
} es_timer_list;

/* One health histogram's cells (es_loop.h): written only by the loop's thread, with
   relaxed loads and stores (a single writer needs no read-modify-write), read by any. */
typedef struct es_health_cells {
    _Atomic uint64_t counts[ES_HEALTH_BOUNDS + 1];
    _Atomic uint64_t sum_ns;
} es_health_cells;

/* What the loop measures of itself (es_health.c). The loop thread writes it, a watchdog
   and scrapes read it, so it sits on cache lines of its own. */
typedef struct es_loop_health {
    _Atomic uint64_t busy_since_ns;   /* woke_ns of the running iteration; 0 in epoll_wait */
    _Atomic uint64_t request_tag;     /* es_loop_publish_request */
    _Atomic uint64_t task_tag;        /* es_loop_publish_task */
    /* The latest stall, under a sequence: odd while written; stalls = sequence / 2. */
    _Atomic uint64_t stall_sequence;
    _Atomic uint64_t last_stall_start_ns;
    _Atomic uint64_t last_stall_ns;
    uint64_t stall_threshold_ns;      /* UINT64_MAX: none */
    es_health_cells iterations;
    es_health_cells lag;
} es_loop_health;

/* Adds one observation to cells only the calling loop writes. Linear: almost every
   iteration ends in the first few buckets. */
static inline void es_health_observe(es_health_cells *cells, uint64_t ns) {
    int index = 0;
    while (index < ES_HEALTH_BOUNDS && ns > es_health_bounds_ns[index]) index++;
    atomic_store_explicit(&cells->counts[index],
                          atomic_load_explicit(&cells->counts[index], memory_order_relaxed) + 1, memory_order_relaxed);
    atomic_store_explicit(&cells->sum_ns, atomic_load_explicit(&cells->sum_ns, memory_order_relaxed) + ns,
                          memory_order_relaxed);
}

enum { ES_LOOP_FREE_HOOKS = 4 };
typedef void (*es_loop_free_hook)(es_loop *loop);

struct es_loop {
    /* What every request touches first, together. */
    es_loop_callbacks callbacks;
    const es_protocol *protocols[ES_PROTOCOLS]; /* installed by es_loop_create (server/) */
    es_timer_list timers[ES_TIMER_COUNT];
    es_conn *pending_head;          /* connections to drive after on_tick */
    es_conn *pending_tail;
    uint64_t now_ms;                /* monotonic, refreshed each iteration */
    uint64_t woke_ns;               /* es_clock_continuous_ns() as this iteration began */
    es_rbuf *free_rbufs;
    es_wbuf *free_wbufs;
    uint32_t free_rbuf_count, free_wbuf_count;
    uint32_t rbuf_cap;              /* standard read buffer size */
    uint32_t rbuf_state_size;       /* the protocols' largest rbuf_state_size, rounded to 16 */
    /* What the protocols keep per loop (HTTP/2: its stream and block pools), by ES_PROTO_*.
       The protocol frees it: each registers a hook once (es_loop_add_free_hook), run at
       es_loop_destroy. */
    void *protocol_state[ES_PROTOCOLS];
    size_t server_name_len;         /* strlen(config.server_name), once, not per response */
    int64_t date_second;            /* second the cached Date header is for */
    char date[30];                  /* "Thu, 26 Nov 2026 18:48:30 GMT" */
    int shutting_down;
    es_loop_config config;

    /* Accepting, waking and stopping. */
    int epoll_fd;
    int listener_readable;          /* some listener may have connections to accept */
    es_listener listeners[ES_MAX_LISTENERS];
    uint32_t listener_count;
    struct { uint8_t io_kind; int fd; } wake;
    uint64_t next_conn_id;
    es_loop_free_hook free_hooks[ES_LOOP_FREE_HOOKS];
    uint32_t free_hook_count;
    /* Written by other threads: on a line of their own, away from the fields above. */
    _Alignas(64) atomic_int wake_pending;
    atomic_int shutdown_requested;
    atomic_int force_requested;
    atomic_uint connection_count;
    /* Written by the loop, read by a watchdog: apart from both groups above. */
    _Alignas(64) es_loop_health health;
};

/* es_buffers.c */
es_rbuf *es_rbuf_take(es_loop *loop);
void es_rbuf_give(es_loop *loop, es_rbuf *rbuf);
/* A larger buffer holding the same state and data, or NULL. The old one is left to the
   caller, who moves its pointers into the old data over, then gives the old one back. */
es_rbuf *es_rbuf_grow(es_loop *loop, const es_rbuf *rbuf, uint32_t needed_cap);
es_wbuf *es_wbuf_reserve(es_loop *loop, es_wbuf *wbuf, uint32_t extra);
void es_wbuf_give(es_loop *loop, es_wbuf *wbuf);
void es_buffers_free_all(es_loop *loop);

/* es_loop.c: a loop whose connections the given protocols drive (es_loop_create, in
   server/, names them). */
es_loop *es_loop_new(const es_loop_config *config, int listen_fd, const es_loop_callbacks *callbacks,
                     const es_protocol *const protocols[ES_PROTOCOLS]);

/* es_loop.c: registers hook to run when the loop is destroyed, once however often it is
   called (a protocol calls it as its first connection starts). Returns -1 when the table
   is full. */
int es_loop_add_free_hook(es_loop *loop, es_loop_free_hook hook);

/* es_health.c: an iteration of the loop lasted the stall threshold or longer. */
void es_health_record_stall(es_loop *loop, uint64_t start_ns, uint64_t length_ns);

/* es_timers.c */
void es_timer_set(es_loop *loop, es_conn *conn, uint8_t kind, int restart);
void es_timer_unlink(es_loop *loop, es_conn *conn);
int es_timers_next_ms(es_loop *loop);
void es_timers_expire(es_loop *loop);
uint64_t es_now_ms(void);

/* Results of es_io_read and es_io_write besides a byte count. */
enum { ES_IO_EOF = 0, ES_IO_AGAIN = -1, ES_IO_FAILED = -2 };

/* es_io.c: the connection's byte transport, plain or TLS */
long es_io_read(es_conn *conn, char *buf, size_t len);
long es_io_write(es_conn *conn, const char *buf, size_t len);
void es_io_release(es_conn *conn);

/* es_tls.c */
int es_tls_attach(es_conn *conn, es_tls_context *tls);
int es_tls_handshake(es_conn *conn);           /* 1 done, 0 in progress, -1 failed */
int es_tls_selected_h2(const es_conn *conn);

/* es_accept.c */
void es_conn_accept_all(es_loop *loop);

/* es_loop.c: puts a connection on the loop's list to drive after this pass (a response
   that arrived later, an HTTP/2 session with frames to send) */
void es_conn_schedule(es_conn *conn);

/* es_conn.c: the protocol-blind connection */
int es_conn_start(es_conn *conn, uint8_t proto);    /* hands it to a protocol: 0, or -1 when that
                                                       failed and the connection was closed (freed) */
int es_conn_upgrade(es_conn *conn, uint8_t proto, const es_request *request,
                    const char *settings, size_t settings_len); /* 0 switched, -1 not */
void es_conn_on_event(es_conn *conn, uint32_t events);
void es_conn_drive(es_conn *conn);                  /* a scheduled connection's turn */
int es_conn_flush(es_conn *conn);                   /* 0 when the connection was closed */
void es_conn_close_after_write(es_conn *conn);      /* ES_CONN_CLOSING: write what is queued, linger, close */
void es_conn_notify(es_conn *conn, int event);
void es_conn_close(es_conn *conn);
void es_conn_free(es_conn *conn);                   /* a closed connection the protocol held */
void es_conn_on_timeout(es_conn *conn);
void es_conn_force_close(es_conn *conn);
void es_conn_begin_shutdown(es_conn *conn);
int es_conn_linger_read(es_conn *conn);             /* 0 when the connection was closed */

/* The HTTP/2 client preface (RFC 9113 §3.4), by which a cleartext connection picks HTTP/2
   with prior knowledge. */
#define ES_HTTP2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
enum { ES_HTTP2_PREFACE_LEN = sizeof ES_HTTP2_PREFACE - 1 };

/* 1 when data starts with the whole preface, 0 when it is a strict prefix of it (wait for
   more), -1 when it cannot be the preface. */
static inline int es_http2_preface_match(const char *data, size_t len) {
    size_t n = len < ES_HTTP2_PREFACE_LEN ? len : ES_HTTP2_PREFACE_LEN;
    if (memcmp(data, ES_HTTP2_PREFACE, n) != 0) return -1;
    return len >= ES_HTTP2_PREFACE_LEN ? 1 : 0;
}

/* es_date.c */
void es_date_refresh(es_loop *loop);

/* Copies len bytes of text to out and returns the end: how response heads and error bodies
   are written, piece after piece into a buffer already known to be large enough. */
static inline char *es_put(char *out, const char *text, size_t len) {
    memcpy(out, text, len);
    return out + len;
}
#define ES_PUT_LITERAL(out, literal) es_put((out), (literal), sizeof(literal) - 1)

/* es_error_body.c: the JSON error body of every answer the shim gives by itself */
typedef struct es_error_body { char bytes[512]; } es_error_body;
/* {"error":{"code":"...","message":"..."}} into out; returns its length (the message is
   left out when both do not fit, and 0 when cap is too small for the frame). */
size_t es_error_body_write(char *out, size_t cap, const char *code, const char *message);
/* A response of status with that body, in application/json; body must outlive response. */
void es_error_response(es_response *response, es_error_body *body, uint16_t status, const char *code,
                       const char *message);

#endif /* ES_CORE_H */
