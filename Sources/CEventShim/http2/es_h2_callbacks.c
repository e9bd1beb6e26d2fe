/*
 * es_h2_callbacks.c: what an HTTP/2 server session does as nghttp2 parses a client's
 * frames: streams begin, fields and body bytes are collected (es_h2_stream.c), complete
 * requests are handed over, streams close; and the abuse limits and RFC 9113 checks that
 * nghttp2 1.52 leaves to its user (see es_h2.c for the list).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "es_h2_internal.h"

const uint8_t es_h2_shutdown_ping[8] = {'s', 'h', 'u', 't', 'd', 'o', 'w', 'n'};

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

/* Ends the connection for abuse: GOAWAY with the code, then close once it is written. */
void es_h2_abort(es_h2_session *h2, uint32_t error_code) {
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
    if (id >= h2->closed.next_id) {
        if (id > h2->closed.next_id) {
            if (h2->closed.skipped_count == ES_H2_SKIPPED_RANGES) {
                memmove(h2->closed.skipped, h2->closed.skipped + 1, (ES_H2_SKIPPED_RANGES - 1) * sizeof h2->closed.skipped[0]);
                h2->closed.skipped_count--;
            }
            h2->closed.skipped[h2->closed.skipped_count++] = (es_h2_id_range){h2->closed.next_id, id - 2};
        }
        es_h2_closed_advance(&h2->closed, h2->closed.next_id, id + 2);
        h2->closed.next_id = id + 2;
        return 1;
    }
    for (uint32_t i = 0; i < h2->closed.skipped_count; i++)
        if (id >= h2->closed.skipped[i].first && id <= h2->closed.skipped[i].last) return 0;
    return 1;
}

/* RFC 9113 §6.9.2: a change of SETTINGS_INITIAL_WINDOW_SIZE that takes a stream's send
   window past 2^31-1 is a connection error (FLOW_CONTROL_ERROR); nghttp2 1.52 only resets
   that stream. The windows are noted as the SETTINGS frame begins and checked once
   nghttp2 has applied it (nghttp2 keeps one entry per setting, the last). */
static void note_send_windows(es_h2_session *h2) {
    h2->initial_window_before = nghttp2_session_get_remote_settings(h2->ng, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE);
    for (es_h2_stream *stream = h2->streams.all; stream != NULL; stream = stream->next)
        stream->window_before = stream->closed ? -1 : nghttp2_session_get_stream_remote_window_size(h2->ng, stream->id);
}

static int send_window_overflowed(es_h2_session *h2, const nghttp2_settings *settings) {
    for (es_h2_stream *stream = h2->streams.all; stream != NULL; stream = stream->next) {
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

/* The second GOAWAY of a graceful shutdown (es_h2_begin_shutdown): the last stream
   processed, once the client acknowledged the notice's PING. */
void es_h2_final_goaway(es_h2_session *h2) {
    if (h2->goaway) return;
    h2->goaway = 1;
    nghttp2_submit_goaway(h2->ng, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h2->ng),
                          NGHTTP2_NO_ERROR, NULL, 0);
}

/* ---- nghttp2 callbacks -------------------------------------------------------------- */

static int on_begin_frame(nghttp2_session *ng, const nghttp2_frame_hd *hd, void *user_data) {
    (void)ng;
    es_h2_session *h2 = user_data;
    if (hd->type == NGHTTP2_HEADERS) {
        h2->limits.continuations = 0;
        if (!request_id_allowed(h2, (uint32_t)hd->stream_id)) {
            es_h2_abort(h2, NGHTTP2_PROTOCOL_ERROR);
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
    }
    if ((hd->type == NGHTTP2_HEADERS || hd->type == NGHTTP2_DATA) && es_h2_closed_by_peer(&h2->closed, (uint32_t)hd->stream_id)) {
        /* RFC 9113 §5.1: the client ended this stream, then sent on it. A connection
           error, as nghttp2 made it while it kept closed streams. */
        es_h2_abort(h2, NGHTTP2_STREAM_CLOSED);
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (hd->type == NGHTTP2_SETTINGS && !(hd->flags & NGHTTP2_FLAG_ACK)) {
        note_send_windows(h2);
    } else if (hd->type == NGHTTP2_CONTINUATION && !nghttp2_option_set_max_continuations &&
             ++h2->limits.continuations > ES_H2_MAX_CONTINUATIONS) {
        es_h2_abort(h2, NGHTTP2_ENHANCE_YOUR_CALM);
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data) {
    es_h2_session *h2 = user_data;
    h2->header_stream = NULL;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    (void)ng;
    es_h2_stream *stream = es_h2_stream_new(h2, frame->hd.stream_id);
    if (stream == NULL) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (es_h2_streams_put(&h2->streams, stream) != 0) {
        es_h2_stream_free(stream);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    h2->header_stream = stream;
    return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                     size_t name_len, const uint8_t *value, size_t value_len, uint8_t flags,
                     void *user_data) {
    (void)flags;
    es_h2_session *h2 = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    es_h2_stream *stream = h2->header_stream;
    if (stream == NULL || stream->id != frame->hd.stream_id)
        stream = es_h2_streams_find(&h2->streams, frame->hd.stream_id);
    if (stream == NULL) return 0;
    if (es_h2_stream_add_field(stream, name, name_len, value, value_len, &h2->conn->loop->config) != 0)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t stream_id, const uint8_t *data,
                         size_t len, void *user_data) {
    (void)flags;
    (void)ng;
    es_h2_session *h2 = user_data;
    es_h2_stream *stream = es_h2_streams_find(&h2->streams, stream_id);
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
void es_h2_request_complete(es_h2_session *h2, es_h2_stream *stream) {
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
            es_h2_stream *stream = h2->header_stream;
            if (stream == NULL || stream->id != frame->hd.stream_id)
                stream = es_h2_streams_find(&h2->streams, frame->hd.stream_id);
            if (stream != NULL && !stream->dispatched && !stream->closed) es_h2_request_complete(h2, stream);
        }
        if (frame->hd.type == NGHTTP2_HEADERS) h2->header_stream = NULL; /* the block is complete */
        break;
    case NGHTTP2_PING:
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) && h2->shutdown_notice &&
            memcmp(frame->ping.opaque_data, es_h2_shutdown_ping, sizeof es_h2_shutdown_ping) == 0)
            es_h2_final_goaway(h2);
        break;
    case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) && send_window_overflowed(h2, &frame->settings)) {
            es_h2_abort(h2, NGHTTP2_FLOW_CONTROL_ERROR);
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        }
        if ((frame->hd.flags & NGHTTP2_FLAG_ACK) && h2->upgraded_request != NULL) {
            /* The client acknowledged our SETTINGS, so it reads HTTP/2 now: serve the
               request that came with the upgrade. */
            es_h2_stream *stream = h2->upgraded_request;
            h2->upgraded_request = NULL;
            es_h2_request_complete(h2, stream);
        }
        break;
    case NGHTTP2_RST_STREAM:
        /* Ours is tighter than nghttp2's (which answers INTERNAL_ERROR), so an abusive
           peer hears the code that names its behaviour; nghttp2's stays as a backstop. */
        if (!es_h2_bucket_take(&h2->limits.client_resets, h2->conn->loop->now_ms))
            es_h2_abort(h2, NGHTTP2_ENHANCE_YOUR_CALM);
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
            !es_h2_bucket_take(&h2->limits.server_resets, h2->conn->loop->now_ms))
            es_h2_abort(h2, NGHTTP2_ENHANCE_YOUR_CALM);
        return 0;
    }
    if (h2->early_answers > 0 && (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
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
    /* The client had ended its side (END_STREAM, its RST_STREAM, or the request of an h2c
       upgrade): later frames on the stream are its error (es_h2_closed_streams.c). nghttp2
       still has the stream here, with the test it used itself while it kept them. */
    if (nghttp2_session_get_stream_remote_close(ng, stream_id) == 1) es_h2_closed_mark(&h2->closed, (uint32_t)stream_id);
    es_h2_stream *stream = es_h2_streams_find(&h2->streams, stream_id);
    if (stream == NULL) return 0;
    es_h2_streams_remove(&h2->streams, stream);
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

nghttp2_session_callbacks *es_h2_callbacks(void) {
    pthread_once(&callbacks_once, make_callbacks);
    return callbacks;
}
