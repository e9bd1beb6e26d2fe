/*
 * es_loop.h: one epoll event loop per thread, serving HTTP/1.1 and HTTP/2 connections,
 * in cleartext or over TLS.
 *
 * The loop owns the byte-level hot path: accept, TLS, read, parse (es_http1_parser.h or
 * libnghttp2), serialize and write. It calls into Swift through es_loop_callbacks only:
 *   - on_request:    once per complete request (head and whole body), HTTP/1.1 or HTTP/2;
 *   - on_cancel:     the client gave up on a request Swift still holds;
 *   - on_connection: a connection opened, switched to HTTP/2, or closed;
 *   - on_tick:       once per loop iteration, to run Swift jobs and timers.
 * Swift answers each request with exactly one es_respond(), on the loop's thread,
 * either inside on_request (the fast path) or later (after the handler suspended).
 *
 * Threading: every function here except es_loop_wake(), es_loop_request_shutdown() and
 * those marked "any thread" must be called on the loop's own thread.
 */
#ifndef ES_LOOP_H
#define ES_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include "es_request.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct es_loop es_loop;
typedef struct es_conn es_conn;
/** One request waiting for its answer: an HTTP/1.1 connection or an HTTP/2 stream. */
typedef struct es_exchange es_exchange;
/** A TLS server configuration (certificate, key, protocol policy, ALPN); see es_tls.h. */
typedef struct es_tls_context es_tls_context;

/* Events of on_connection. */
#define ES_CONNECTION_OPENED 1   /* accepted (proto is HTTP/1.1 until it changes) */
#define ES_CONNECTION_HTTP2  2   /* switched to HTTP/2: preface, Upgrade: h2c, or ALPN h2 */
#define ES_CONNECTION_CLOSED 3   /* the socket is closed */

/** Nanoseconds of CLOCK_BOOTTIME, the clock behind Swift's ContinuousClock on Linux. */
uint64_t es_clock_continuous_ns(void);

/** Swift's side of the loop. `ctx` is passed back unchanged. */
typedef struct es_loop_callbacks {
    void *ctx;
    /**
     * A complete request, HTTP/1.1 or HTTP/2, in one shape (es_request.h). Everything it
     * points at is the shim's memory, valid during the call only. Answer it with
     * es_respond(exchange, ...), exactly once, now or later.
     */
    void (*on_request)(void *ctx, es_exchange *exchange, const es_request *request);
    /**
     * The client went away or reset the stream while Swift holds the request: its work may
     * stop. es_respond() is still required (the answer is then discarded). May be NULL.
     */
    void (*on_cancel)(void *ctx, es_exchange *exchange);
    /** A connection event (ES_CONNECTION_*) with the protocol it speaks; may be NULL. */
    void (*on_connection)(void *ctx, uint64_t conn_id, int event, int proto, int tls);
    /**
     * Called once per iteration after I/O: run queued jobs and due timers. Returns the
     * longest the loop may sleep before the next call, in ms (-1: no Swift timer pending).
     */
    int (*on_tick)(void *ctx);
} es_loop_callbacks;

/** Per-loop configuration; es_loop_config_default() gives the defaults. */
typedef struct es_loop_config {
    es_request_limits limits;
    uint32_t header_timeout_ms;  /* whole head must arrive within; default 10 000 */
    uint32_t body_timeout_ms;    /* longest gap between body reads; default 30 000 */
    uint32_t idle_timeout_ms;    /* keep-alive connection with no request; default 60 000 */
    uint32_t write_timeout_ms;   /* longest gap without write progress; default 30 000 */
    uint32_t max_connections;    /* per loop; 0 = no limit */
    uint32_t handshake_timeout_ms; /* TLS handshake must finish within; default 10 000 */
    uint32_t h2_max_concurrent_streams; /* SETTINGS_MAX_CONCURRENT_STREAMS; default 100 */
    uint32_t h2_max_header_list;        /* SETTINGS_MAX_HEADER_LIST_SIZE; default 16 KiB */
    uint8_t h2c;                 /* accept HTTP/2 in cleartext (preface, Upgrade); default 1 */
    const char *server_name;     /* value of the Server header; static storage */
} es_loop_config;

es_loop_config es_loop_config_default(void);

/**
 * Binds a TCP socket with SO_REUSEPORT, non-blocking and close-on-exec, without listening:
 * one per loop, all on one port, then es_listen_exclusive. `host` is a numeric IPv4 or IPv6
 * address. Port 0 picks an ephemeral port; the port bound is stored in *bound_port (the
 * other loops' sockets then bind to it). Returns the fd, or -errno.
 */
int es_bind(const char *host, uint16_t port, uint16_t *bound_port);

/**
 * Makes `fds` (bound by es_bind to one address and port) listen, unless a socket that is
 * not one of them already listens there: SO_REUSEPORT would let another process's sockets
 * share the port with ours. Returns 0, -EADDRINUSE when the port is taken, or -errno; the
 * caller closes the fds on failure.
 */
int es_listen_exclusive(const int *fds, int count, int backlog);

/** es_bind and listen in one call, without es_listen_exclusive's check: for one socket of a
    harness or a test (the fuzzers), never for a server's loops. Returns the fd, or -errno. */
int es_listen(const char *host, uint16_t port, int backlog, uint16_t *bound_port);

/** Creates a loop that serves `listen_fd` (owned by the loop from now on), or no cleartext
    listener when it is -1 (add a TLS one). NULL on error. */
es_loop *es_loop_create(const es_loop_config *config, int listen_fd,
                        const es_loop_callbacks *callbacks);

/**
 * Runs the loop on the calling thread until shutdown has completed (every connection
 * closed) or es_loop_force_close() was called. Returns 0.
 */
int es_loop_run(es_loop *loop);

/**
 * Adds a TLS listening socket (owned by the loop from now on); call before es_loop_run.
 * Connections accepted there handshake first, then speak h2 or http/1.1 as ALPN chose.
 * Returns 0, or -1 on error.
 */
int es_loop_add_tls_listener(es_loop *loop, int listen_fd, es_tls_context *tls);

/** Frees the loop after es_loop_run() returned. Only safe once no other thread can still
    call es_loop_wake() on it. */
void es_loop_destroy(es_loop *loop);

/** The loop running on this thread, or NULL. */
es_loop *es_loop_current(void);

/** The callbacks' ctx of the loop running on this thread, or NULL. */
void *es_loop_current_ctx(void);

/** Any thread: makes the loop call on_tick soon (coalesced eventfd write). */
void es_loop_wake(es_loop *loop);

/**
 * Any thread: begin a graceful shutdown. The loop stops accepting, closes idle
 * connections, lets requests in flight finish (their responses carry Connection: close),
 * and returns from es_loop_run() when no connection is left.
 */
void es_loop_request_shutdown(es_loop *loop);

/** Any thread: the drain deadline passed; close everything and return from run. */
void es_loop_force_close(es_loop *loop);

/** Open connections on this loop (any thread; approximate). */
uint32_t es_loop_connection_count(const es_loop *loop);

/*
 * Loop health: what the loop measures of itself, for a watchdog thread and for metrics.
 *
 * An iteration runs from one return of epoll_wait to the next call of it. Each iteration
 * the loop adds its length to a histogram, and keeps in memory of its own (relaxed atomics,
 * no lock, no syscall besides one clock read) when the running iteration began, or 0
 * while it waits in epoll_wait. An iteration that lasts the stall threshold or longer is
 * counted as a stall when it ends, with its start and length. Times are
 * es_clock_continuous_ns() readings.
 */

/** Buckets of the health histograms: ES_HEALTH_BOUNDS upper bounds, then the rest. */
#define ES_HEALTH_BOUNDS 16

/** The buckets' upper bounds in ns: 10 us, 25 us, 50 us ... 500 ms, 1 s. */
extern const uint64_t es_health_bounds_ns[ES_HEALTH_BOUNDS];

/** A histogram as read: per-bucket counts (not cumulative; the last is above every bound)
    and the sum of the observations. */
typedef struct es_health_histogram {
    uint64_t counts[ES_HEALTH_BOUNDS + 1];
    uint64_t sum_ns;
} es_health_histogram;

/** What a watchdog reads of a loop (es_loop_watch). */
typedef struct es_loop_watch_sample {
    uint64_t busy_since_ns;   /* when the running iteration began; 0 while in epoll_wait */
    uint64_t request_tag;     /* es_loop_publish_request's tag, when read with busy_since_ns */
    uint64_t task_tag;        /* es_loop_publish_task's tag, likewise */
    uint64_t stalls;          /* iterations that lasted the stall threshold or longer */
    uint64_t last_stall_start_ns; /* the latest of them: when it began */
    uint64_t last_stall_ns;       /* and how long it lasted */
} es_loop_watch_sample;

/** Before es_loop_run: iterations of `threshold_ns` or longer count as stalls (0: none). */
void es_loop_set_stall_threshold(es_loop *loop, uint64_t threshold_ns);

/** Any thread: a consistent sample: tags published during the iteration that began at
    busy_since_ns (0 when none was, or when the loop waits). */
void es_loop_watch(const es_loop *loop, es_loop_watch_sample *sample);

/** Any thread: copies the iteration-length and timer-lag histograms. */
void es_loop_histograms(const es_loop *loop, es_health_histogram *iterations, es_health_histogram *lag);

/** Loop thread: a timer (a Swift sleep) ran `late_ns` after it was due. */
void es_loop_observe_lag(es_loop *loop, uint64_t late_ns);

/**
 * Says what the loop running on the calling thread is doing now, for its watchdog: an
 * opaque non-zero tag naming a request (the caller's own encoding), or 0 for nothing.
 * No-op on a thread that runs no loop. Two stores; no lock.
 */
void es_loop_publish_request(uint64_t tag);

/** Loop thread: the request that ran is over (its tag is cleared). */
void es_loop_clear_request(es_loop *loop);

/** Loop thread: the same for the Swift task whose job runs now (its address), or 0. */
void es_loop_publish_task(es_loop *loop, uint64_t tag);

/* Flags in es_response.flags. */
#define ES_RESPONSE_CLOSE 0x01u /* close the connection after this response */

/** A response to queue. Every pointer is read during the call only (bytes are copied). */
typedef struct es_response {
    uint16_t status;
    uint8_t flags;               /* ES_RESPONSE_* */
    const char *content_type;    /* NULL for none */
    uint32_t content_type_len;
    const es_field *fields;      /* the caller's header fields, validated by the caller, besides
                                    the ones the shim writes (Server, Date, Content-Type,
                                    Content-Length) */
    uint32_t field_count;
    const char *body;
    size_t body_len;
} es_response;

/**
 * Answers the request that on_request delivered. Must be called exactly once per request,
 * on the loop's thread. If the peer has gone, the response is dropped and the exchange's
 * memory is released here.
 */
void es_respond(es_exchange *exchange, const es_response *response);

/** Names the calling thread (shown by top -H, gdb and perf); Linux keeps 15 bytes. */
void es_thread_set_name(const char *name);

/** Sets the calling thread's nice value (Linux schedules threads, so this affects only the
    caller). Returns 0, or -errno (raising priority needs privileges; lowering never does). */
int es_thread_set_nice(int nice);

/** Moves the calling thread to SCHED_IDLE: it runs only when no normal thread wants its
    CPU, and a waking normal thread always preempts it. Returns 0, or -errno. */
int es_thread_set_idle_policy(void);

/** Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
long es_raise_fd_limit(void);

/** CPUs this process may run on (sched_getaffinity), at least 1. */
int es_available_cpus(void);

/** The version of libnghttp2 this process runs with ("1.52.0"). */
const char *es_nghttp2_version(void);

/** Writes the status's reason phrase ("OK"); "Unknown" for unlisted codes. */
const char *es_http_reason_phrase(uint16_t status);

#ifdef __cplusplus
}
#endif
#endif /* ES_LOOP_H */
