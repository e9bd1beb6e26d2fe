/*
 * lc_client.h: the load client's event loop, one per thread.
 *
 * A loop owns a fixed set of connections to one target and keeps them busy with requests
 * taken, in turn, from a table of pre-rendered requests (lc_request) that the caller
 * owns. It reports every finished request (a response or an error) as an lc_sample, in
 * batches, through on_samples; nothing else crosses into the caller while it runs.
 *
 * Two ways to pace:
 *   - closed loop (rate == 0): every connection keeps `pipeline` requests in flight; a
 *     request's latency runs from the moment it was queued for sending;
 *   - open loop (rate > 0, or rate stages): request g of the whole run is due at
 *     start + g / rate, or where a ramp's cumulative count reaches g (lc_schedule); a loop sends its share when due, on any connection
 *     with room, and measures latency from the due time, so a stalled server is charged
 *     for the requests it kept waiting (coordinated-omission correction, as wrk2).
 *
 * Every run is bounded: by a request count, a duration, or both (one is required), and
 * after that by `timeout_ns` for the answers still outstanding.
 *
 * Memory: lc_loop_create() allocates everything the run needs (connections, their read
 * and write buffers, the in-flight table, the sample batch); the run itself allocates
 * nothing. Threading: lc_loop_run() on one thread; lc_loop_stop() and lc_loop_counters()
 * from any thread.
 */
#ifndef LC_CLIENT_H
#define LC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "lc_http1_response.h"
#include "lc_schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lc_loop lc_loop;

/** Why a request got no response. */
typedef enum lc_error_kind {
    LC_ERROR_NONE = 0,
    LC_ERROR_CONNECT = 1,  /* connect() failed; one per failed attempt, not per request */
    LC_ERROR_TIMEOUT = 2,  /* no complete response within timeout_ns */
    LC_ERROR_RESET = 3,    /* the connection was reset or closed with the request in flight */
    LC_ERROR_PROTOCOL = 4, /* the response was malformed; the connection is closed */
} lc_error_kind;

/** request_index of samples that belong to no request (failed connects). */
#define LC_NO_REQUEST UINT32_MAX

/** One finished request. */
typedef struct lc_sample {
    uint64_t latency_ns;    /* response complete minus intended (open) or queued (closed) time */
    uint32_t request_index; /* into the request table; LC_NO_REQUEST for connect errors */
    uint16_t status;        /* HTTP status; 0 for errors */
    uint8_t error;          /* lc_error_kind */
    uint8_t reserved;
    uint32_t done_ms;       /* when it finished: whole milliseconds after start_ns (0 before it) */
    uint32_t bytes_in;      /* the response's bytes: HTTP/1.1 as on the wire (head, body, chunk
                               framing); HTTP/2 the stream's HEADERS and DATA payloads; TLS not
                               counted. Errors: what had arrived (0 for connect errors) */
    uint32_t reserved2;
    uint64_t origin_ns;     /* the latency's origin (intended time, open loop; queued time, closed
                               loop) in ns after start_ns (0 before it); for connect errors, when
                               the attempt failed */
    uint64_t trace_seq;     /* the request's number in its loop's trace sequence (lc_trace_format
                               rebuilds its traceparent); 0 for connect errors */
    const char *body;       /* LC_BODY_KEPT: the response body, valid only during on_samples */
    uint32_t body_len;      /* bytes at body */
    uint8_t body_state;     /* lc_body_state: whether the body was kept (LC_REQUEST_KEEP_BODY only) */
} lc_sample;

/** lc_sample.body_state. */
typedef enum lc_body_state {
    LC_BODY_NONE = 0,      /* not asked for (or no response) */
    LC_BODY_KEPT = 1,      /* body and body_len hold the whole body */
    LC_BODY_TOO_LARGE = 2, /* longer than body_limit: not kept */
} lc_body_state;

/** Length of a W3C traceparent value: "00-" 32 hex "-" 16 hex "-" 2 hex. */
#define LC_TRACEPARENT_LEN 55

/* Flags in lc_request.flags. */
#define LC_REQUEST_HEAD 0x01u      /* a HEAD request: its response has no body */
#define LC_REQUEST_KEEP_BODY 0x02u /* keep its response body (up to body_limit) for on_samples */

/** A pre-rendered request: the exact bytes to send. */
typedef struct lc_request {
    const char *bytes; /* owned by the caller; must outlive the loop */
    uint32_t len;
    uint32_t flags;    /* LC_REQUEST_* */
    uint32_t trace_offset; /* 0, or where in bytes a LC_TRACEPARENT_LEN placeholder value starts:
                              each send overwrites it (h1) or replaces it (h2) with a fresh
                              traceparent (lc_trace_format) */
} lc_request;

/** Receives a batch of samples on the loop's thread; the array is reused after return. */
typedef void (*lc_samples_fn)(void *ctx, const lc_sample *samples, uint32_t count);

/** One loop's part of a run; lc_loop_config_default() fills the defaults. */
typedef struct lc_loop_config {
    const char *host;            /* numeric IPv4 or IPv6 address */
    uint16_t port;
    uint32_t connections;        /* this loop's connections; default 1 */
    uint32_t pipeline;           /* requests in flight per connection (h1 pipelining depth,
                                    h2 concurrent streams, further capped by the peer); default 1 */
    uint64_t max_requests;       /* this loop's share of the request bound; 0: none */
    uint64_t start_ns;           /* lc_now_ns() at which the run starts (shared by loops) */
    uint64_t duration_ns;        /* send for this long after start_ns; 0: no time bound */
    uint64_t timeout_ns;         /* per request, and for the drain at the end; default 5 s */
    lc_schedule schedule;        /* open loop when schedule.rate > 0 or it has stages (copied at create) */
    const lc_request *requests;  /* the table, sent in turn from request_cursor */
    uint32_t request_count;
    uint32_t request_cursor;     /* first index this loop sends */
    uint32_t read_buffer_size;   /* per connection; bounds a response head; default 16 KiB */
    uint32_t sample_batch;       /* samples per on_samples call at most; default 4096 */
    uint32_t flush_interval_ms;  /* on_samples at least this often; default 100 */
    lc_samples_fn on_samples;
    void *ctx;
    /* Protocol and transport. Cleartext: http2 = 1 speaks HTTP/2 by prior knowledge (h2c).
       TLS (tls = 1): ALPN offers h2 (when http2 = 1) and http/1.1; the server's pick
       decides per connection. */
    uint8_t http2;
    uint8_t tls;
    uint8_t tls_verify;          /* verify the server's certificate and name; default 1 */
    const char *tls_server_name; /* SNI and the name (or IP) verified; NULL: host. Copied. */
    const char *tls_ca_file;     /* PEM trust anchors; NULL: the system store. Read at create. */
    /* Connection stages: the connections in use ramp linearly from conn_start to each
       stage's target (this loop's share; lc_schedule.h's lc_stage, prepared at create).
       Connections beyond the current count take no new requests and are closed once
       idle; those that come back into use reconnect. conn_stage_count 0: all in use. */
    lc_stage *conn_stages;       /* copied at create (the computed fields are filled there) */
    uint32_t conn_stage_count;
    uint32_t conn_start;         /* connections in use at the start (and before it) */
    uint32_t body_limit;         /* LC_REQUEST_KEEP_BODY: longest body kept; default 64 KiB. Costs
                                    connections x pipeline x body_limit bytes, only when some
                                    request keeps its body */
    uint64_t trace_prefix;       /* requests with trace_offset: the trace ids' first 8 bytes
                                    (distinct per loop, non-zero) */
    uint64_t trace_sampled_below; /* a trace is sampled when its last 8 bytes are below this;
                                     UINT64_MAX: always; 0: never */
} lc_loop_config;

/** Counters of one loop; monotonic, readable from any thread while it runs. */
typedef struct lc_loop_counters {
    uint64_t sent;          /* requests written to a socket (or queued in its buffer) */
    uint64_t responses;     /* complete responses */
    uint64_t errors;        /* samples with an error, connect errors included */
    uint64_t connects;      /* successful connects */
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t unsent;        /* open loop: requests due but never sent when the run ended */
    uint64_t finished_ns;   /* lc_now_ns() when lc_loop_run() finished; 0 before */
    uint64_t connects_h2;   /* connects that speak HTTP/2 (h2c, or h2 chosen by ALPN) */
    uint64_t tls_failures;  /* handshakes that failed (also counted as connect errors) */
    uint64_t trace_sampled; /* requests sent with a traceparent whose sampled flag is set */
} lc_loop_counters;

lc_loop_config lc_loop_config_default(void);

/** Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
uint64_t lc_now_ns(void);

/**
 * Allocates a loop and all its memory. Connecting starts in lc_loop_run(). Returns NULL
 * and sets errno (EINVAL for a bad host, no bound, an empty request table, or a request
 * HTTP/2 cannot carry; EPROTO when the TLS context cannot be set up). The config's
 * strings need not outlive the call.
 */
lc_loop *lc_loop_create(const lc_loop_config *config);

/** Before lc_loop_run(): moves the start (and the open-loop schedule and the end of
    sending with it) to `start_ns`, so that loops created early start together. */
void lc_loop_set_start(lc_loop *loop, uint64_t start_ns);

/** Runs the whole load on the calling thread; returns 0 when done (bounds reached,
    stopped, and every answer in or timed out). */
int lc_loop_run(lc_loop *loop);

/** Any thread: stop sending; the loop waits for answers in flight (up to timeout_ns). */
void lc_loop_stop(lc_loop *loop);

/** Any thread: a snapshot of the counters (each field read atomically). */
lc_loop_counters lc_loop_counters_read(const lc_loop *loop);

/** Frees the loop after lc_loop_run() returned (or if it never ran). */
void lc_loop_destroy(lc_loop *loop);

/**
 * Writes the traceparent of request `seq` of a loop (LC_TRACEPARENT_LEN bytes, no NUL):
 * "00-" prefix (16 hex) mix(seq) (16 hex) "-" span id (16 hex) "-" flags ("01" when
 * sampled by `sampled_below`, else "00"). mix is a bijection, so a loop's ids never repeat.
 */
void lc_trace_format(uint64_t prefix, uint64_t seq, uint64_t sampled_below, char *out);

/** Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
long lc_raise_fd_limit(void);

#ifdef __cplusplus
}
#endif
#endif /* LC_CLIENT_H */
