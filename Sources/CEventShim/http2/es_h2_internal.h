/*
 * Layer: http2/, on top of core/. It owns the nghttp2 session, its callbacks, streams, the
 * closed-stream bits, the stream table, the allocator, responses and the h2c upgrade (the
 * switch; HTTP/1.1 recognises the request and the core hands it over). It may call core/,
 * never http1/; the core reaches it through es_h2_protocol only.
 *
 * es_h2_internal.h: HTTP/2 state shared by es_h2.c (the session and its callbacks) and
 * es_h2_stream.c (one request/response exchange). Private to the shim.
 *
 * Ownership: a session owns its streams. A stream that Swift holds (dispatched) outlives
 * its nghttp2 stream and even its connection: it is then detached (session NULL or closed
 * set) and freed by es_respond(). Every other stream is freed when nghttp2 closes it.
 */
#ifndef ES_H2_INTERNAL_H
#define ES_H2_INTERNAL_H

#include <nghttp2/nghttp2.h>
#include <string.h>
#include <strings.h>
#include "es_h2.h"

/* nghttp2 1.60 renamed the I/O entry points (the old ones are deprecated there). */
#if NGHTTP2_VERSION_NUM >= 0x013c00
typedef nghttp2_ssize es_h2_ssize;
typedef nghttp2_data_provider2 es_h2_data_provider;
#define ES_H2_MEM_RECV nghttp2_session_mem_recv2
#define ES_H2_MEM_SEND nghttp2_session_mem_send2
#define ES_H2_SUBMIT_RESPONSE nghttp2_submit_response2
#else
typedef ssize_t es_h2_ssize;
typedef nghttp2_data_provider es_h2_data_provider;
#define ES_H2_MEM_RECV nghttp2_session_mem_recv
#define ES_H2_MEM_SEND nghttp2_session_mem_send
#define ES_H2_SUBMIT_RESPONSE nghttp2_submit_response
#endif

/* Newer nghttp2 option setters, linked weakly: present in nghttp2 >= 1.57 / 1.61 and in
   distributions' backports, absent from a plain 1.52. */
#if NGHTTP2_VERSION_NUM < 0x013900
void nghttp2_option_set_stream_reset_rate_limit(nghttp2_option *option, uint64_t burst, uint64_t rate);
#endif
#if NGHTTP2_VERSION_NUM < 0x013d00
void nghttp2_option_set_max_continuations(nghttp2_option *option, size_t val);
#endif
#pragma weak nghttp2_option_set_stream_reset_rate_limit
#pragma weak nghttp2_option_set_max_continuations

/* Limits of es_h2.c and es_h2_callbacks.c. */
enum {
    ES_H2_WRITE_MARK = 256 * 1024,   /* stop asking nghttp2 for frames above this backlog */
    ES_H2_MAX_CONTINUATIONS = 8,
    ES_H2_CLIENT_RESET_BURST = 500, ES_H2_CLIENT_RESET_RATE = 33,   /* ours: RST_STREAM from the peer */
    ES_H2_NGHTTP2_RESET_BURST = 1000, ES_H2_NGHTTP2_RESET_RATE = 33, /* nghttp2's backstop (its defaults) */
    ES_H2_SERVER_RESET_BURST = 100, ES_H2_SERVER_RESET_RATE = 10,
};

/* A received field, as offsets into the stream's field arena (which may move as it grows). */
typedef struct es_h2_field_ref {
    uint32_t name_off, name_len, value_off, value_len;
} es_h2_field_ref;

/* Client stream ids passed over (never opened), first..last inclusive. */
typedef struct es_h2_id_range {
    uint32_t first, last;
} es_h2_id_range;

enum { ES_H2_SKIPPED_RANGES = 8 };

/* Client streams remembered as closed by the client's side (es_h2_closed_streams.c): a
   multiple of 64. nghttp2 kept up to SETTINGS_MAX_CONCURRENT_STREAMS closed streams (100 by
   default); with a larger setting, frames on streams older than the window are ignored,
   which RFC 9113 §5.1 allows. */
enum { ES_H2_CLOSED_WINDOW = 256 };

/* SETTINGS_MAX_FRAME_SIZE as this server has it: the protocol's default, which the session
   never changes. A longer frame is nghttp2's FRAME_SIZE_ERROR. */
enum { ES_H2_MAX_FRAME_SIZE = 16384 };

/* A refill-per-second token bucket (abuse limits). */
typedef struct es_h2_bucket {
    uint32_t tokens;
    uint32_t burst;
    uint32_t per_second;
    uint64_t refilled_ms;
} es_h2_bucket;

typedef struct es_h2_pools es_h2_pools;

typedef struct es_h2_stream {
    uint8_t io_kind;                /* ES_IO_H2_STREAM: an es_exchange */
    uint8_t dispatched : 1;         /* Swift holds it: freed by es_respond */
    uint8_t closed : 1;             /* nghttp2 closed it (reset, or done) */
    uint8_t cancelled : 1;          /* Swift was told to stop */
    uint8_t answered : 1;           /* a response was submitted */
    uint8_t head_only : 1;          /* HEAD: no response body */
    uint8_t fields_too_large : 1;   /* over the header limits: answered 431 */
    uint8_t body_too_large : 1;     /* over max_body: answered 413 */
    uint8_t receiving : 1;          /* the request has not ended yet */
    uint8_t answered_early : 1;     /* answered before the request ended (counted in early_answers) */
    int32_t id;
    es_h2_pools *pools;             /* the loop's pools, which the record returns to */
    int32_t window_before;          /* send window as a SETTINGS frame began (-1: none) */
    struct es_h2_session *session;  /* NULL once the connection is gone */
    struct es_h2_stream *prev, *next;

    char *arena;                    /* received field bytes */
    uint32_t arena_len, arena_cap;
    es_h2_field_ref *fields;        /* regular fields */
    uint32_t field_count, field_cap;
    es_h2_field_ref method, path, authority, scheme; /* pseudo-header fields */
    uint8_t seen_pseudo;            /* bit per pseudo-header field present */

    char *body;                     /* request body */
    size_t body_len, body_cap;

    char *response;                 /* response body being sent */
    size_t response_len, response_sent;

    /* Room for a typical request's fields and a small answer, so that most exchanges need
       no allocation beyond the pooled record itself. */
    es_h2_field_ref inline_fields[16];
    char inline_arena[512];
    char inline_response[256];
} es_h2_stream;

/* nghttp2's block sizes the loop recycles (es_h2_alloc.c). */
enum { ES_H2_ALLOC_CLASSES = 6 };

/* What HTTP/2 keeps per loop (es_loop.protocol_state[ES_PROTO_HTTP2]): recycled stream
   records and nghttp2's recycled blocks, made as the loop's first session starts and freed
   with the loop. */
struct es_h2_pools {
    es_h2_stream *free_streams;
    uint32_t free_stream_count;
    uint32_t free_block_count[ES_H2_ALLOC_CLASSES];
    void *free_blocks[ES_H2_ALLOC_CLASSES];   /* by size class */
};

static inline es_h2_pools *es_h2_pools_of(const es_loop *loop) {
    return loop->protocol_state[ES_PROTO_HTTP2];
}

void es_h2_streams_free_pool(es_h2_pools *pools);

/* The session of a connection that speaks HTTP/2. */
#define H2(conn) ((struct es_h2_session *)(conn)->proto_state)

/* One slot of a session's stream table (es_h2_stream_table.c). */
typedef struct es_h2_stream_slot {
    int32_t id;
    es_h2_stream *stream;           /* NULL: empty */
} es_h2_stream_slot;

/* The session's parts, each with its own job and its own functions. */

/* Where the bytes fed to nghttp2 are in the sequence of frames, so that each DATA frame's
   stream can be checked before nghttp2 reads it (es_h2_closed_streams.c). */
typedef struct es_h2_frame_scanner {
    uint32_t skip;                  /* bytes before the next frame header: the client
                                       preface, then each frame's payload */
    uint8_t head[9];                /* the frame header being read, head_len bytes so far */
    uint8_t head_len;
    uint8_t in_header_block;        /* a HEADERS frame without END_HEADERS came last */
} es_h2_frame_scanner;

/* Which client stream ids are closed besides the open ones nghttp2 knows: the ids passed
   over, and a bit per recent stream that closed after the client ended its side
   (es_h2_closed_streams.c; request_id_allowed in es_h2_callbacks.c). */
typedef struct es_h2_closed_window {
    uint32_t next_id;               /* the lowest id a new client stream may take */
    uint32_t skipped_count;
    es_h2_id_range skipped[ES_H2_SKIPPED_RANGES]; /* the latest ranges of ids passed over */
    uint64_t peer_closed[ES_H2_CLOSED_WINDOW / 64];
} es_h2_closed_window;

/* The abuse limits this server keeps besides nghttp2's (es_h2.c lists them). */
typedef struct es_h2_abuse_limits {
    uint32_t continuations;         /* CONTINUATION frames in the current header block */
    es_h2_bucket server_resets;     /* streams this server reset with an error */
    es_h2_bucket client_resets;     /* RST_STREAM from the peer (when nghttp2 lacks it) */
} es_h2_abuse_limits;

/* The session's streams: every one not yet freed, and the open ones by id, which serve as
   nghttp2's stream user data without a lookup in its stream map (es_h2_stream_table.c). */
typedef struct es_h2_stream_table {
    es_h2_stream *all;              /* a list of every stream not yet freed */
    es_h2_stream_slot *slots;       /* open streams by id: open addressing, a power of two */
    uint32_t slot_count, slots_used;
} es_h2_stream_table;

typedef struct es_h2_session {
    /* What every request touches, first. */
    nghttp2_session *ng;
    es_conn *conn;
    es_h2_stream_table streams;
    es_h2_stream *header_stream;    /* the stream whose header block is being received, so that
                                       each field does not look it up */
    uint32_t inflight;              /* dispatched and not answered, reset ones included */
    uint32_t awaiting_client;       /* open streams still receiving their request */
    uint32_t early_answers;         /* streams answered before their request ended, whose
                                       upload is stopped once the answer is out (on_frame_send) */
    uint32_t request_id_fields;     /* x-request-id fields sent (es_h2_response.c) */
    uint8_t in_recv : 1;            /* inside mem_recv: responses are pumped after it */
    uint8_t goaway : 1;             /* GOAWAY submitted: close once streams finish */
    uint8_t shutdown_notice : 1;    /* the first of a graceful shutdown's two GOAWAYs is out */
    uint8_t peer_eof : 1;           /* the client shut its sending side; answers still go out */
    uint8_t fatal : 1;              /* read nothing more; close once the queue is written */
    es_h2_frame_scanner scan;
    es_h2_closed_window closed;
    es_h2_abuse_limits limits;
    es_h2_stream *upgraded_request; /* stream 1 of an h2c upgrade, until SETTINGS are acked */
    uint32_t initial_window_before; /* the peer's SETTINGS_INITIAL_WINDOW_SIZE, as a SETTINGS frame began */
} es_h2_session;

/* es_h2_stream.c */
es_h2_stream *es_h2_stream_new(es_h2_session *h2, int32_t id);
void es_h2_stream_free(es_h2_stream *stream);
void es_h2_stream_unlink(es_h2_stream *stream);
int es_h2_stream_add_field(es_h2_stream *stream, const uint8_t *name, size_t name_len,
                           const uint8_t *value, size_t value_len, const es_loop_config *config);
int es_h2_stream_add_body(es_h2_stream *stream, const uint8_t *data, size_t len, uint64_t max_body);
void es_h2_stream_dispatch(es_h2_stream *stream);
void es_h2_stream_fail(es_h2_stream *stream, uint16_t status, const char *code, const char *message);
int es_h2_stream_take_request(es_h2_stream *stream, const es_request *request);

/* Compare `len` bytes at `name` with a string literal, whose length is known at compile
   time (no strlen per comparison). */
#define NAME_IS(name, len, literal) ((len) == sizeof(literal) - 1 && memcmp((name), (literal), (len)) == 0)
#define NAME_IS_CASELESS(name, len, literal) \
    ((len) == sizeof(literal) - 1 && strncasecmp((name), (literal), (len)) == 0)

/* es_h2_stream_table.c */
int es_h2_streams_put(es_h2_stream_table *table, es_h2_stream *stream);   /* 0, or -1 out of memory */
es_h2_stream *es_h2_streams_find(const es_h2_stream_table *table, int32_t id);
void es_h2_streams_remove(es_h2_stream_table *table, const es_h2_stream *stream);
void es_h2_streams_free_table(es_h2_stream_table *table);

/* es_h2_closed_streams.c */
void es_h2_closed_advance(es_h2_closed_window *closed, uint32_t from, uint32_t to); /* ids [from, to) are new */
void es_h2_closed_mark(es_h2_closed_window *closed, uint32_t id);
int es_h2_closed_by_peer(const es_h2_closed_window *closed, uint32_t id);
/* Follows frames through `len` input bytes until a DATA frame's header is complete;
   returns the bytes taken (through that header's last byte) and sets *data_stream to the
   frame's stream, or UINT32_MAX when no DATA header completed. A DATA frame that nghttp2
   rejects for its own reason (inside a header block: PROTOCOL_ERROR; longer than
   SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR) is not reported, so that its error stands. */
size_t es_h2_scan_frames(es_h2_frame_scanner *scan, const uint8_t *data, size_t len, uint32_t *data_stream);

/* es_h2_alloc.c: the allocator each session is created with (nghttp2 copies it) */
nghttp2_mem es_h2_alloc_mem(es_h2_pools *pools);
void es_h2_alloc_free_all(es_h2_pools *pools);

/* es_h2_callbacks.c */
nghttp2_session_callbacks *es_h2_callbacks(void);   /* one set per process */
int es_h2_bucket_take(es_h2_bucket *bucket, uint64_t now_ms);
void es_h2_abort(es_h2_session *h2, uint32_t error_code);
void es_h2_request_complete(es_h2_session *h2, es_h2_stream *stream);
void es_h2_final_goaway(es_h2_session *h2);
extern const uint8_t es_h2_shutdown_ping[8];

#endif /* ES_H2_INTERNAL_H */
