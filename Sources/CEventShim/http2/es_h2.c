/*
 * es_h2.c: HTTP/2 connections through libnghttp2: one server session per connection, fed
 * with what the connection reads (mem_recv) and drained into its write buffer (mem_send)
 * only while that buffer is below the loop's backpressure mark, so a client that does not
 * read cannot make the server buffer without bound. The session's life is here (start,
 * h2c upgrade, drive, timeouts, shutdown, close); what happens as frames arrive is in
 * es_h2_callbacks.c, and one stream's request and response in es_h2_stream.c.
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
#include <stdlib.h>
#include <string.h>
#include "es_h2_internal.h"

const char *es_nghttp2_version(void) { return nghttp2_version(0)->version_str; }

static void bucket_init(es_h2_bucket *bucket, uint32_t burst, uint32_t per_second, uint64_t now_ms) {
    bucket->tokens = bucket->burst = burst;
    bucket->per_second = per_second;
    bucket->refilled_ms = now_ms;
}

/* ---- the session's life ------------------------------------------------------------- */

/* The loop's HTTP/2 pools, freed with the loop. */
static void h2_loop_free(es_loop *loop) {
    es_h2_pools *pools = es_h2_pools_of(loop);
    if (pools == NULL) return;
    es_h2_streams_free_pool(pools);
    es_h2_alloc_free_all(pools);
    free(pools);
    loop->protocol_state[ES_PROTO_HTTP2] = NULL;
}

/* The loop's pools, made as its first session starts. */
static es_h2_pools *h2_loop_pools(es_loop *loop) {
    es_h2_pools *pools = es_h2_pools_of(loop);
    if (pools != NULL) return pools;
    if (es_loop_add_free_hook(loop, h2_loop_free) != 0) return NULL;
    pools = calloc(1, sizeof *pools);
    loop->protocol_state[ES_PROTO_HTTP2] = pools;
    return pools;
}

static int session_create(es_conn *conn) {
    nghttp2_session_callbacks *callbacks = es_h2_callbacks();
    if (callbacks == NULL) return -1;
    es_h2_pools *pools = h2_loop_pools(conn->loop);
    if (pools == NULL) return -1;
    es_h2_session *h2 = calloc(1, sizeof *h2);
    if (h2 == NULL) return -1;
    h2->conn = conn;
    h2->closed.next_id = 1;
    h2->scan.skip = ES_HTTP2_PREFACE_LEN; /* the client's preface comes first, on every path */
    uint64_t now = conn->loop->now_ms;
    bucket_init(&h2->limits.server_resets, ES_H2_SERVER_RESET_BURST, ES_H2_SERVER_RESET_RATE, now);
    bucket_init(&h2->limits.client_resets, ES_H2_CLIENT_RESET_BURST, ES_H2_CLIENT_RESET_RATE, now);
    nghttp2_option *option;
    if (nghttp2_option_new(&option) != 0) { free(h2); return -1; }
    if (nghttp2_option_set_stream_reset_rate_limit)
        nghttp2_option_set_stream_reset_rate_limit(option, ES_H2_NGHTTP2_RESET_BURST, ES_H2_NGHTTP2_RESET_RATE);
    if (nghttp2_option_set_max_continuations)
        nghttp2_option_set_max_continuations(option, ES_H2_MAX_CONTINUATIONS);
    /* Closed streams are remembered as a bit each (es_h2_closed_streams.c), not as the
       stream objects nghttp2 would keep for RFC 7540 priorities. */
    nghttp2_option_set_no_closed_streams(option, 1);
    nghttp2_mem mem = es_h2_alloc_mem(pools);
    int r = nghttp2_session_server_new3(&h2->ng, callbacks, h2, option, &mem);
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
    conn->proto_state = h2;
    conn->phase = 0;
    es_timer_set(conn->loop, conn, ES_TIMER_IDLE, 1);
    es_conn_notify(conn, ES_CONNECTION_HTTP2);
    return 0;
}


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

/* The h2c upgrade (RFC 7540 §3.2): HTTP/1.1 parsed the request and found its
   HTTP2-Settings; the core hands both over. Returns -1, with nothing changed, when the
   settings are not valid (the request is then served as HTTP/1.1). */
static int h2_upgrade(es_conn *conn, const es_request *request, const char *settings,
                      size_t settings_len) {
    uint8_t payload[256];
    long payload_len = base64url_decode(settings, settings_len, payload, sizeof payload);
    if (payload_len < 0 || payload_len % 6 != 0) return -1; /* not an upgrade: serve HTTP/1.1 */
    static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    es_wbuf *wbuf = es_wbuf_reserve(conn->loop, conn->wbuf, sizeof switching - 1);
    if (wbuf == NULL) return -1;
    conn->wbuf = wbuf; /* reserved: may have moved; nothing written yet */
    if (session_create(conn) != 0) return -1;
    es_h2_session *h2 = H2(conn);
    memcpy(wbuf->data + wbuf->len, switching, sizeof switching - 1);
    wbuf->len += sizeof switching - 1;
    es_h2_stream *stream = es_h2_stream_new(h2, 1);
    if (stream == NULL || es_h2_stream_take_request(stream, request) != 0 ||
        es_h2_streams_put(&h2->streams, stream) != 0 ||
        nghttp2_session_upgrade2(h2->ng, payload, (size_t)payload_len,
                                 request->method == ES_METHOD_HEAD, NULL) != 0) {
        if (stream != NULL) es_h2_stream_free(stream);
        es_h2_abort(h2, NGHTTP2_INTERNAL_ERROR);
        return 0; /* the 101 is queued: close through HTTP/2 */
    }
    /* The bytes after the request (the client preface onwards) are HTTP/2 input: the
       caller moved the read buffer's start past the request. The request itself is served once the client acknowledges our SETTINGS: a response sent
       with the 101 can arrive before the client switched parsers, and some clients
       (curl 7.88) cannot hold more than a buffer's worth of it. */
    h2->upgraded_request = stream;
    h2->closed.next_id = 3; /* the request became stream 1 */
    return 0;
}

/* The socket closed: streams Swift still holds are detached (and their work cancelled);
   the rest are freed, and the session with them. The connection itself can go: a held
   stream no longer needs it. */
static int h2_closed(es_conn *conn) {
    es_h2_session *h2 = H2(conn);
    if (h2 == NULL) return 0; /* the session could not be created */
    es_loop *loop = conn->loop;
    conn->proto_state = NULL;
    es_h2_stream *stream = h2->streams.all;
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
    h2->streams.all = NULL;
    nghttp2_session_del(h2->ng);
    es_h2_streams_free_table(&h2->streams);
    free(h2);
    return 0;
}

/* ---- driving ------------------------------------------------------------------------- */

/* Moves frames from nghttp2 into the write buffer while the backlog is under the mark.
   Returns 0 if the connection failed. */
static int h2_pump(es_conn *conn) {
    es_h2_session *h2 = H2(conn);
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

/* Feeds bytes to nghttp2. Returns 0 once the session failed (nothing more is fed). */
static int h2_recv(es_h2_session *h2, const uint8_t *data, size_t len) {
    if (len == 0) return 1;
    h2->in_recv = 1;
    es_h2_ssize n = ES_H2_MEM_RECV(h2->ng, data, len);
    h2->in_recv = 0;
    if (n < 0) {
        /* Fatal (a bad preface, a flood, an abuse limit of ours): nothing more is read;
           what is queued, GOAWAY included, is written, then the connection closes.
           Protocol errors that are not fatal never get here: nghttp2 answers them with
           GOAWAY or RST_STREAM itself and carries on. */
        h2->fatal = 1;
        h2->goaway = 1;
        if (n == NGHTTP2_ERR_FLOODED) nghttp2_session_terminate_session(h2->ng, NGHTTP2_ENHANCE_YOUR_CALM);
        else if (n != NGHTTP2_ERR_CALLBACK_FAILURE) nghttp2_session_terminate_session(h2->ng, NGHTTP2_PROTOCOL_ERROR);
        return 0;
    }
    return 1;
}

/* Feeds what the read buffer holds to nghttp2, stopping before each DATA frame's header to
   check its stream (es_h2_closed_streams.c). Returns 0 if the connection failed. */
static int h2_feed(es_conn *conn) {
    es_h2_session *h2 = H2(conn);
    es_rbuf *rb = conn->rbuf;
    if (rb == NULL || rb->len == rb->start) return 1;
    const uint8_t *data = (const uint8_t *)rb->data + rb->start;
    size_t len = rb->len - rb->start, fed = 0, scanned = 0;
    int live = 1;
    while (live && scanned < len) {
        uint32_t stream_id;
        scanned += es_h2_scan_frames(&h2->scan, data + scanned, len - scanned, &stream_id);
        if (stream_id == UINT32_MAX) break;
        /* Everything before the header's last byte: nghttp2 has then read every earlier
           frame, and not this one. */
        live = h2_recv(h2, data + fed, scanned - 1 - fed);
        fed = scanned - 1;
        if (live && es_h2_closed_by_peer(&h2->closed, stream_id)) {
            /* RFC 9113 §5.1: DATA after the client ended the stream. */
            es_h2_abort(h2, NGHTTP2_STREAM_CLOSED);
            h2->fatal = 1;
            live = 0;
        }
    }
    if (live) h2_recv(h2, data + fed, len - fed);
    rb->len = rb->start = 0;
    return 1;
}

/* Picks the connection's timer from what it waits for. */
static void h2_set_timer(es_conn *conn) {
    es_h2_session *h2 = H2(conn);
    es_loop *loop = conn->loop;
    if (conn->wbuf != NULL && conn->wbuf->len > conn->wbuf->sent) {
        es_timer_set(loop, conn, ES_TIMER_WRITE, 0);
    } else if (h2->awaiting_client > 0) {
        es_timer_set(loop, conn, ES_TIMER_BODY, 0); /* a request still arriving */
    } else if (h2->inflight > 0 || h2->streams.all != NULL) {
        es_timer_set(loop, conn, ES_TIMER_NONE, 0); /* handlers or downloads running */
    } else {
        es_timer_set(loop, conn, ES_TIMER_IDLE, 0);
    }
}

static void h2_drive(es_conn *conn) {
    es_loop *loop = conn->loop;
    es_h2_session *h2 = H2(conn);
    for (int round = 0; round < 64; round++) {
        if (!h2_feed(conn)) { es_conn_close(conn); return; }
        if (!h2_pump(conn)) { es_conn_close(conn); return; }
        if (!es_conn_flush(conn)) return;
        if (h2->fatal) break;
        int backlogged = conn->wbuf != NULL && conn->wbuf->len - conn->wbuf->sent >= ES_H2_WRITE_MARK;
        if (!backlogged && nghttp2_session_want_write(h2->ng) && conn->writable) continue;
        if (!conn->readable || !nghttp2_session_want_read(h2->ng) || backlogged || h2->peer_eof) break;
        if (conn->rbuf == NULL) {
            conn->rbuf = es_rbuf_take(loop);
            if (conn->rbuf == NULL) { es_conn_close(conn); return; }
        }
        es_rbuf *rb = conn->rbuf;
        long n = es_io_read(conn, rb->data, rb->cap);
        if (n == ES_IO_AGAIN) break;
        if (n == ES_IO_EOF && h2->inflight > 0) {
            /* The client closed its sending side with answers still due: write them, then
               close (no new request can arrive). */
            h2->peer_eof = 1;
            conn->readable = 0;
            break;
        }
        if (n <= 0) { conn->peer_gone = 1; es_conn_close(conn); return; }
        rb->start = 0;
        rb->len = (uint32_t)n;
        /* A short read emptied the socket: edge-triggered epoll announces new data, so the
           read that would only say EAGAIN is skipped (as for HTTP/1.1, see conn_read). */
        if ((uint64_t)n < rb->cap && !conn->peer_hup && !conn->tls) conn->readable = 0;
        if (h2->awaiting_client > 0) es_timer_set(loop, conn, ES_TIMER_BODY, 1);
    }
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

static void h2_ready(es_conn *conn, uint32_t events) {
    (void)events; /* a hang-up shows as a failed read or write */
    h2_drive(conn);
}

/* Idle, or a request that stopped arriving (the write timeout is the core's). */
static void h2_timeout(es_conn *conn) {
    es_h2_session *h2 = H2(conn);
    if (h2->goaway) { es_conn_close(conn); return; }
    /* Say goodbye, then close once written. */
    es_h2_abort(h2, NGHTTP2_NO_ERROR);
    es_timer_set(conn->loop, conn, ES_TIMER_WRITE, 1);
    h2_drive(conn);
}

/* Graceful shutdown in two steps (RFC 9113 §6.8): a GOAWAY naming the highest possible
   stream, so the client stops opening streams, and a PING; when the PING's ACK shows that
   the client has seen the notice, a GOAWAY naming the last stream processed. Streams the
   client opened in between are served, not refused; open streams finish, then the
   connection closes. */
static void h2_shutdown(es_conn *conn) {
    es_h2_session *h2 = H2(conn);
    if (!h2->goaway && !h2->shutdown_notice) {
        h2->shutdown_notice = 1;
        if (nghttp2_submit_shutdown_notice(h2->ng) != 0 ||
            nghttp2_submit_ping(h2->ng, NGHTTP2_FLAG_NONE, es_h2_shutdown_ping) != 0)
            es_h2_final_goaway(h2);
    }
    es_conn_schedule(conn);
}

const es_protocol es_h2_protocol = {
    .start = session_create,
    .upgrade = h2_upgrade,
    .ready = h2_ready,
    .timeout = h2_timeout,
    .shutdown = h2_shutdown,
    .closed = h2_closed,
};
