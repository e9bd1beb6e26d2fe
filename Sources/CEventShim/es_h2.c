/*
 * es_h2.c: HTTP/2 connections through libnghttp2: one server session per connection, fed
 * with what the connection reads (mem_recv) and drained into its write buffer (mem_send)
 * only while that buffer is below the loop's backpressure mark, so a client that does not
 * read cannot make the server buffer without bound.
 *
 * Abuse limits besides nghttp2's own (SETTINGS, PING and header floods):
 *   - the rapid-reset limit (CVE-2023-44487) and the CONTINUATION limit (CVE-2024-28182),
 *     from nghttp2 when it has them (Debian backports them to 1.52; upstream from 1.57 and
 *     1.61); RST_STREAM from the peer is also counted here, more tightly, so that the
 *     GOAWAY says ENHANCE_YOUR_CALM, and CONTINUATION frames are counted here when
 *     nghttp2 lacks its limit;
 *   - handler work per connection is capped: streams the server reset still count until
 *     their handler returns (the "MadeYouReset" class), and new streams over the cap are
 *     refused;
 *   - streams this server resets with an error are rate-limited too; an abusive peer gets
 *     GOAWAY(ENHANCE_YOUR_CALM) and the connection closes once that is written.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "es_h2_internal.h"

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

enum {
    ES_H2_WRITE_MARK = 256 * 1024,   /* stop asking nghttp2 for frames above this backlog */
    ES_H2_MAX_CONTINUATIONS = 8,
    ES_H2_CLIENT_RESET_BURST = 500, ES_H2_CLIENT_RESET_RATE = 33,   /* ours: RST_STREAM from the peer */
    ES_H2_NGHTTP2_RESET_BURST = 1000, ES_H2_NGHTTP2_RESET_RATE = 33, /* nghttp2's backstop (its defaults) */
    ES_H2_SERVER_RESET_BURST = 100, ES_H2_SERVER_RESET_RATE = 10,
};

static const char client_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
static const uint8_t shutdown_ping[8];
static void final_goaway(es_h2_session *h2);

const char *es_nghttp2_version(void) { return nghttp2_version(0)->version_str; }

int es_h2_is_preface_prefix(const char *data, size_t len) {
    size_t full = sizeof client_preface - 1;
    size_t n = len < full ? len : full;
    if (memcmp(data, client_preface, n) != 0) return -1;
    return len >= full ? 1 : 0;
}

int es_h2_bucket_take(es_h2_bucket *bucket, uint64_t now_ms) {
    if (now_ms > bucket->refilled_ms) {
        uint64_t refill = (now_ms - bucket->refilled_ms) * bucket->per_second / 1000;
        if (refill > 0) {
            uint64_t tokens = bucket->tokens + refill;
            bucket->tokens = tokens > bucket->burst ? bucket->burst : (uint32_t)tokens;
            bucket->refilled_ms = now_ms;
        }
    }
    if (bucket->tokens == 0) return 0;
    bucket->tokens--;
    return 1;
}

static void bucket_init(es_h2_bucket *bucket, uint32_t burst, uint32_t per_second, uint64_t now_ms) {
    bucket->tokens = bucket->burst = burst;
    bucket->per_second = per_second;
    bucket->refilled_ms = now_ms;
}

/* Ends the connection for abuse: GOAWAY with the code, then close once it is written. */
static void h2_abort(es_h2_session *h2, uint32_t error_code) {
    if (!h2->goaway || error_code != NGHTTP2_NO_ERROR)
        nghttp2_session_terminate_session(h2->ng, error_code);
    h2->goaway = 1;
}

/* RFC 9113 §5.1.1: a new stream's id is above every id the client used before, and the
   ids it passed over are closed; a HEADERS frame on one of those is a connection error
   (PROTOCOL_ERROR). nghttp2 ignores a HEADERS frame on a lower id it has no stream for,
   as it cannot tell it from trailers that crossed a reset, so the ids passed over are
   remembered here: the latest few ranges (most clients skip none; an older range is
   forgotten, and a HEADERS frame on it is ignored as before). Returns 0 for such a frame. */
static int request_id_allowed(es_h2_session *h2, uint32_t id) {
    if ((id & 1) == 0) return 1; /* 0 and even ids: nghttp2 answers those itself */
    if (id >= h2->next_request_id) {
        if (id > h2->next_request_id) {
            if (h2->skipped_count == ES_H2_SKIPPED_RANGES) {
                memmove(h2->skipped, h2->skipped + 1, (ES_H2_SKIPPED_RANGES - 1) * sizeof h2->skipped[0]);
                h2->skipped_count--;
            }
            h2->skipped[h2->skipped_count++] = (es_h2_id_range){h2->next_request_id, id - 2};
        }
        h2->next_request_id = id + 2;
        return 1;
    }
    for (uint32_t i = 0; i < h2->skipped_count; i++)
        if (id >= h2->skipped[i].first && id <= h2->skipped[i].last) return 0;
    return 1;
}

/* RFC 9113 §6.9.2: a change of SETTINGS_INITIAL_WINDOW_SIZE that takes a stream's send
   window past 2^31-1 is a connection error (FLOW_CONTROL_ERROR); nghttp2 1.52 only resets
   that stream. The windows are noted as the SETTINGS frame begins and checked once
   nghttp2 has applied it (nghttp2 keeps one entry per setting, the last). */
static void note_send_windows(es_h2_session *h2) {
    h2->initial_window_before = nghttp2_session_get_remote_settings(h2->ng, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
    for (es_h2_stream *stream = h2->streams; stream != NULL; stream = stream->next)
        stream->window_before = stream->closed ? -1 : nghttp2_session_get_stream_remote_window_size(h2->ng, stream->id);
}

static int send_window_overflowed(es_h2_session *h2, const nghttp2_settings *settings) {
    for (es_h2_stream *stream = h2->streams; stream != NULL; stream = stream->next) {
        if (stream->window_before < 0) continue;
        int64_t window = stream->window_before, initial = h2->initial_window_before;
        for (size_t i = 0; i < settings->niv; i++) {
            if (settings->iv[i].settings_id != NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE) continue;
            window += (int64_t)settings->iv[i].value - initial;
            initial = settings->iv[i].value;
            if (window > NGHTTP2_MAX_WINDOW_SIZE) return 1;
        }
    }
    return 0;
}

/* ---- nghttp2 callbacks -------------------------------------------------------------- */

static int on_begin_frame(nghttp2_session *ng, const nghttp2_frame_hd *hd, void *user_data) {
    (void)ng;
    es_h2_session *h2 = user_data;
    if (hd->type == NGHTTP2_HEADERS) {
        h2->continuations = 0;
        if (!request_id_allowed(h2, (uint32_t)hd->stream_id)) {
            h2_abort(h2, NGHTTP2_PROTOCOL_ERROR);
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    } else if (hd->type == NGHTTP2_SETTINGS && !(hd->flags & NGHTTP2_FLAG_ACK)) {
        note_send_windows(h2);
    } else if (hd->type == NGHTTP2_CONTINUATION && !nghttp2_option_set_max_continuations &&
             ++h2->continuations > ES_H2_MAX_CONTINUATIONS) {
        h2_abort(h2, NGHTTP2_ENHANCE_YOUR_CALM);
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data) {
    es_h2_session *h2 = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    es_h2_stream *stream = es_h2_stream_new(h2, frame->hd.stream_id);
    if (stream == NULL) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    nghttp2_session_set_stream_user_data(ng, frame->hd.stream_id, stream);
    return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                     size_t name_len, const uint8_t *value, size_t value_len, uint8_t flags,
                     void *user_data) {
    (void)flags;
    es_h2_session *h2 = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    es_h2_stream *stream = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (stream == NULL) return 0;
    if (es_h2_stream_add_field(stream, name, name_len, value, value_len, &h2->conn->loop->config) != 0)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t stream_id, const uint8_t *data,
                         size_t len, void *user_data) {
    (void)flags;
    es_h2_session *h2 = user_data;
    es_h2_stream *stream = nghttp2_session_get_stream_user_data(ng, stream_id);
    if (stream == NULL) return 0;
    int r = es_h2_stream_add_body(stream, data, len, h2->conn->loop->config.limits.max_body);
    if (r < 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (r == 1) {
        /* Answer now; the rest of the body is refused by RST_STREAM(NO_ERROR) once the
           answer is out (RFC 9113 §8.1), see on_frame_send. */
        es_h2_stream_fail(stream, 413, "content_too_large", "The request is larger than this server accepts");
    }
    return 0;
}

/* The request is complete (END_STREAM on HEADERS or DATA): hand it over. */
static void request_complete(es_h2_session *h2, es_h2_stream *stream) {
    if (stream->receiving) { stream->receiving = 0; h2->awaiting_client--; }
    if (stream->answered) return;
    uint32_t cap = h2->conn->loop->config.h2_max_concurrent_streams;
    if (h2->inflight >= cap) {
        /* Handlers of reset streams still run: refuse work beyond the cap (safe to retry). */
        nghttp2_submit_rst_stream(h2->ng, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_REFUSED_STREAM);
        return;
    }
    es_h2_stream_dispatch(stream);
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data) {
    es_h2_session *h2 = user_data;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA:
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
            es_h2_stream *stream = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
            if (stream != NULL && !stream->dispatched && !stream->closed) request_complete(h2, stream);
        }
        break;
    case NGHTTP2_PING:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) && h2->shutdown_notice &&
            memcmp(frame->ping.opaque_data, shutdown_ping, sizeof shutdown_ping) == 0)
            final_goaway(h2);
        break;
    case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) && send_window_overflowed(h2, &frame->settings)) {
            h2_abort(h2, NGHTTP2_FLOW_CONTROL_ERROR);
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) && h2->upgraded_request != NULL) {
            /* The client acknowledged our SETTINGS, so it reads HTTP/2 now: serve the
               request that came with the upgrade. */
            es_h2_stream *stream = h2->upgraded_request;
            h2->upgraded_request = NULL;
            request_complete(h2, stream);
        }
        break;
    case NGHTTP2_RST_STREAM:
        /* Ours is tighter than nghttp2's (which answers INTERNAL_ERROR), so an abusive
           peer hears the code that names its behaviour; nghttp2's stays as a backstop. */
        if (!es_h2_bucket_take(&h2->client_resets, h2->conn->loop->now_ms))
            h2_abort(h2, NGHTTP2_ENHANCE_YOUR_CALM);
        break;
    default:
        break;
    }
    return 0;
}

static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data) {
    es_h2_session *h2 = user_data;
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
        if (frame->rst_stream.error_code != NGHTTP2_NO_ERROR &&
            !es_h2_bucket_take(&h2->server_resets, h2->conn->loop->now_ms))
            h2_abort(h2, NGHTTP2_ENHANCE_YOUR_CALM);
        return 0;
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        nghttp2_session_get_stream_remote_close(ng, frame->hd.stream_id) == 0) {
        /* Answered before the request ended (413, an early error): stop the upload. */
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    }
    return 0;
}

static int on_stream_close(nghttp2_session *ng, int32_t stream_id, uint32_t error_code, void *user_data) {
    (void)error_code;
    es_h2_session *h2 = user_data;
    es_h2_stream *stream = nghttp2_session_get_stream_user_data(ng, stream_id);
    if (stream == NULL) return 0;
    nghttp2_session_set_stream_user_data(ng, stream_id, NULL);
    stream->closed = 1;
    if (stream->receiving) { stream->receiving = 0; h2->awaiting_client--; }
    if (h2->upgraded_request == stream) h2->upgraded_request = NULL;
    if (!stream->dispatched) {
        es_h2_stream_free(stream);
        return 0;
    }
    /* Swift still runs this request: tell it to stop; es_respond frees the stream. */
    if (!stream->cancelled) {
        stream->cancelled = 1;
        es_loop *loop = h2->conn->loop;
        if (loop->callbacks.on_cancel != NULL)
            loop->callbacks.on_cancel(loop->callbacks.ctx, (es_exchange *)stream);
    }
    return 0;
}

/* One set for the process, made once: nghttp2 copies it into each session, so loop threads
   share it read-only (a set per thread was lost when its thread ended). */
static nghttp2_session_callbacks *callbacks;
static pthread_once_t callbacks_once = PTHREAD_ONCE_INIT;

static void make_callbacks(void) {
    if (nghttp2_session_callbacks_new(&callbacks) != 0) { callbacks = NULL; return; }
    nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, on_begin_frame);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
}

static nghttp2_session_callbacks *shared_callbacks(void) {
    pthread_once(&callbacks_once, make_callbacks);
    return callbacks;
}

/* ---- the session's life ------------------------------------------------------------- */

static int session_create(es_conn *conn) {
    nghttp2_session_callbacks *callbacks = shared_callbacks();
    if (callbacks == NULL) return -1;
    es_h2_session *h2 = calloc(1, sizeof *h2);
    if (h2 == NULL) return -1;
    h2->conn = conn;
    h2->next_request_id = 1;
    uint64_t now = conn->loop->now_ms;
    bucket_init(&h2->server_resets, ES_H2_SERVER_RESET_BURST, ES_H2_SERVER_RESET_RATE, now);
    bucket_init(&h2->client_resets, ES_H2_CLIENT_RESET_BURST, ES_H2_CLIENT_RESET_RATE, now);
    nghttp2_option *option;
    if (nghttp2_option_new(&option) != 0) { free(h2); return -1; }
    if (nghttp2_option_set_stream_reset_rate_limit)
        nghttp2_option_set_stream_reset_rate_limit(option, ES_H2_NGHTTP2_RESET_BURST, ES_H2_NGHTTP2_RESET_RATE);
    if (nghttp2_option_set_max_continuations)
        nghttp2_option_set_max_continuations(option, ES_H2_MAX_CONTINUATIONS);
    int r = nghttp2_session_server_new2(&h2->ng, callbacks, h2, option);
    nghttp2_option_del(option);
    if (r != 0) { free(h2); return -1; }
    const es_loop_config *config = &conn->loop->config;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, config->h2_max_concurrent_streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, config->h2_max_header_list},
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    };
    if (nghttp2_submit_settings(h2->ng, NGHTTP2_FLAG_NONE, settings, sizeof settings / sizeof settings[0]) != 0) {
        nghttp2_session_del(h2->ng);
        free(h2);
        return -1;
    }
    conn->h2 = h2;
    conn->phase = ES_PHASE_H2;
    es_timer_set(conn->loop, conn, ES_TIMER_IDLE, 1);
    es_conn_notify(conn, ES_CONNECTION_HTTP2);
    return 0;
}

int es_h2_start(es_conn *conn) { return session_create(conn); }

/* base64url without padding (RFC 7540 §3.2.1); returns the decoded length or -1. */
static long base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap) {
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '-') v = 62;
        else if (c == '_') v = 63;
        else if (c == '=') break;
        else return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap) return -1;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)n;
}

int es_h2_start_upgrade(es_conn *conn, const es_http1_request *req, const char *settings,
                        size_t settings_len) {
    uint8_t payload[256];
    long payload_len = base64url_decode(settings, settings_len, payload, sizeof payload);
    if (payload_len < 0 || payload_len % 6 != 0) return -1; /* not an upgrade: serve HTTP/1.1 */
    static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    es_wbuf *wbuf = es_wbuf_reserve(conn->loop, conn->wbuf, sizeof switching - 1);
    if (wbuf == NULL) return -1;
    if (session_create(conn) != 0) return -1;
    es_h2_session *h2 = conn->h2;
    conn->wbuf = wbuf;
    memcpy(wbuf->data + wbuf->len, switching, sizeof switching - 1);
    wbuf->len += sizeof switching - 1;
    es_h2_stream *stream = es_h2_stream_new(h2, 1);
    if (stream == NULL || es_h2_stream_copy_http1(stream, req) != 0 ||
        nghttp2_session_upgrade2(h2->ng, payload, (size_t)payload_len,
                                 req->method == ES_HTTP1_METHOD_HEAD, stream) != 0) {
        if (stream != NULL) es_h2_stream_free(stream);
        h2_abort(h2, NGHTTP2_INTERNAL_ERROR);
        return 0; /* the 101 is queued: close through HTTP/2 */
    }
    /* The bytes after the request (the client preface onwards) are HTTP/2 input. The
       request itself is served once the client acknowledges our SETTINGS: a response sent
       with the 101 can arrive before the client switched parsers, and some clients
       (curl 7.88) cannot hold more than a buffer's worth of it. */
    es_rbuf *rb = conn->rbuf;
    rb->start = rb->next_start;
    h2->upgraded_request = stream;
    h2->next_request_id = 3; /* the request became stream 1 */
    return 0;
}

/* Closes the connection for good: streams Swift still holds are detached (and their work
   cancelled); the rest are freed. Called from es_conn_close. */
void es_h2_conn_closed(es_conn *conn) {
    es_h2_session *h2 = conn->h2;
    es_loop *loop = conn->loop;
    conn->h2 = NULL;
    es_h2_stream *stream = h2->streams;
    while (stream != NULL) {
        es_h2_stream *next = stream->next;
        stream->prev = stream->next = NULL;
        if (stream->dispatched) {
            stream->session = NULL;
            if (!stream->cancelled && loop->callbacks.on_cancel != NULL) {
                stream->cancelled = 1;
                loop->callbacks.on_cancel(loop->callbacks.ctx, (es_exchange *)stream);
            }
        } else {
            stream->session = NULL;
            es_h2_stream_free(stream);
        }
        stream = next;
    }
    h2->streams = NULL;
    nghttp2_session_del(h2->ng);
    free(h2);
}

/* ---- driving ------------------------------------------------------------------------- */

/* Moves frames from nghttp2 into the write buffer while the backlog is under the mark.
   Returns 0 if the connection failed. */
static int h2_pump(es_conn *conn) {
    es_h2_session *h2 = conn->h2;
    for (;;) {
        if (conn->wbuf != NULL && conn->wbuf->len - conn->wbuf->sent >= ES_H2_WRITE_MARK) return 1;
        const uint8_t *data;
        es_h2_ssize n = ES_H2_MEM_SEND(h2->ng, &data);
        if (n < 0) return 0;
        if (n == 0) return 1;
        es_wbuf *wbuf = es_wbuf_reserve(conn->loop, conn->wbuf, (uint32_t)n);
        if (wbuf == NULL) return 0;
        conn->wbuf = wbuf;
        memcpy(wbuf->data + wbuf->len, data, (size_t)n);
        wbuf->len += (uint32_t)n;
    }
}

/* Feeds what the read buffer holds to nghttp2. Returns 0 if the connection failed. */
static int h2_feed(es_conn *conn) {
    es_h2_session *h2 = conn->h2;
    es_rbuf *rb = conn->rbuf;
    if (rb == NULL || rb->len == rb->start) return 1;
    h2->in_recv = 1;
    es_h2_ssize n = ES_H2_MEM_RECV(h2->ng, (const uint8_t *)rb->data + rb->start, rb->len - rb->start);
    h2->in_recv = 0;
    rb->len = rb->start = 0;
    if (n < 0) {
        /* Fatal (a bad preface, a flood, an abuse limit of ours): nothing more is read;
           what is queued, GOAWAY included, is written, then the connection closes.
           Protocol errors that are not fatal never get here: nghttp2 answers them with
           GOAWAY or RST_STREAM itself and carries on. */
        h2->fatal = 1;
        h2->goaway = 1;
        if (n == NGHTTP2_ERR_FLOODED) nghttp2_session_terminate_session(h2->ng, NGHTTP2_ENHANCE_YOUR_CALM);
        else if (n != NGHTTP2_ERR_CALLBACK_FAILURE) nghttp2_session_terminate_session(h2->ng, NGHTTP2_PROTOCOL_ERROR);
    }
    return 1;
}

/* Picks the connection's timer from what it waits for. */
static void h2_set_timer(es_conn *conn) {
    es_h2_session *h2 = conn->h2;
    es_loop *loop = conn->loop;
    if (conn->wbuf != NULL && conn->wbuf->len > conn->wbuf->sent) {
        es_timer_set(loop, conn, ES_TIMER_WRITE, 0);
    } else if (h2->awaiting_client > 0) {
        es_timer_set(loop, conn, ES_TIMER_BODY, 0); /* a request still arriving */
    } else if (h2->inflight > 0 || h2->streams != NULL) {
        es_timer_set(loop, conn, ES_TIMER_NONE, 0); /* handlers or downloads running */
    } else {
        es_timer_set(loop, conn, ES_TIMER_IDLE, 0);
    }
}

void es_h2_drive(es_conn *conn) {
    es_loop *loop = conn->loop;
    for (int round = 0; round < 64; round++) {
        if (!h2_feed(conn)) { es_conn_close(conn); return; }
        if (!h2_pump(conn)) { es_conn_close(conn); return; }
        if (!es_conn_flush(conn)) return;
        if (conn->h2->fatal) break;
        int backlogged = conn->wbuf != NULL && conn->wbuf->len - conn->wbuf->sent >= ES_H2_WRITE_MARK;
        if (!backlogged && nghttp2_session_want_write(conn->h2->ng) && conn->writable) continue;
        if (!conn->readable || !nghttp2_session_want_read(conn->h2->ng) || backlogged || conn->h2->peer_eof) break;
        if (conn->rbuf == NULL) {
            conn->rbuf = es_rbuf_take(loop);
            if (conn->rbuf == NULL) { es_conn_close(conn); return; }
        }
        es_rbuf *rb = conn->rbuf;
        long n = es_io_read(conn, rb->data, rb->cap);
        if (n == ES_IO_AGAIN) break;
        if (n == ES_IO_EOF && conn->h2->inflight > 0) {
            /* The client closed its sending side with answers still due: write them, then
               close (no new request can arrive). */
            conn->h2->peer_eof = 1;
            conn->readable = 0;
            break;
        }
        if (n <= 0) { conn->peer_gone = 1; es_conn_close(conn); return; }
        rb->start = 0;
        rb->len = (uint32_t)n;
        if (conn->h2->awaiting_client > 0) es_timer_set(loop, conn, ES_TIMER_BODY, 1);
    }
    es_h2_session *h2 = conn->h2;
    int quiet = conn->wbuf == NULL || conn->wbuf->len == conn->wbuf->sent;
    if (quiet && (h2->fatal || (!nghttp2_session_want_read(h2->ng) && !nghttp2_session_want_write(h2->ng)))) {
        es_conn_close(conn); /* GOAWAY written and no stream left, or a fatal error */
        return;
    }
    if (quiet && h2->peer_eof && h2->inflight == 0 && !nghttp2_session_want_write(h2->ng)) {
        es_conn_close(conn); /* half-closed by the client, and every answer is out */
        return;
    }
    if (conn->rbuf != NULL && conn->rbuf->len == conn->rbuf->start) {
        es_rbuf_give(loop, conn->rbuf);
        conn->rbuf = NULL;
    }
    h2_set_timer(conn);
}

void es_h2_on_timeout(es_conn *conn) {
    es_h2_session *h2 = conn->h2;
    if (conn->timer_kind == ES_TIMER_WRITE || h2->goaway) { es_conn_close(conn); return; }
    /* Idle, or a request that stopped arriving: say goodbye, then close once written. */
    h2_abort(h2, NGHTTP2_NO_ERROR);
    es_timer_set(conn->loop, conn, ES_TIMER_WRITE, 1);
    es_h2_drive(conn);
}

/* Graceful: GOAWAY naming the last stream processed; open streams finish, then close. */
/* Graceful shutdown in two steps (RFC 9113 §6.8): a GOAWAY naming the highest possible
   stream, so the client stops opening streams, and a PING; when the PING's ACK shows that
   the client has seen the notice, a GOAWAY naming the last stream processed. Streams the
   client opened in between are served, not refused; open streams finish, then the
   connection closes. */
static const uint8_t shutdown_ping[8] = {'s', 'h', 'u', 't', 'd', 'o', 'w', 'n'};

static void final_goaway(es_h2_session *h2) {
    if (h2->goaway) return;
    h2->goaway = 1;
    nghttp2_submit_goaway(h2->ng, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h2->ng),
                          NGHTTP2_NO_ERROR, NULL, 0);
}

void es_h2_begin_shutdown(es_conn *conn) {
    es_h2_session *h2 = conn->h2;
    if (!h2->goaway && !h2->shutdown_notice) {
        h2->shutdown_notice = 1;
        if (nghttp2_submit_shutdown_notice(h2->ng) != 0 ||
            nghttp2_submit_ping(h2->ng, NGHTTP2_FLAG_NONE, shutdown_ping) != 0)
            final_goaway(h2);
    }
    es_conn_schedule(conn);
}
