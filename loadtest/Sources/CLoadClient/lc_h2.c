/*
 * lc_h2.c: the HTTP/2 protocol: one nghttp2 client session per connection.
 *
 * submit() hands a request to the session as a new stream whose user data is its slot;
 * produce() moves the session's output (preface, SETTINGS, HEADERS, DATA, ACKs, window
 * updates) into the write buffer; receive() feeds bytes to the session, whose callbacks
 * record each stream's :status and complete its slot when the stream closes, in whatever
 * order the server answers. A stream the server resets is one failed request; the
 * connection goes on. After a GOAWAY the connection takes no new requests and closes once
 * its streams are done.
 *
 * Streams in flight per connection: the loop's `pipeline`, and no more than the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS. No request is submitted before the server's first
 * SETTINGS frame (one round trip after connecting), so that a server with a small limit
 * never has to refuse streams opened under the protocol's "unlimited" default.
 */
#include <string.h>
#include <nghttp2/nghttp2.h>
#include "lc_internal.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* the 1.52 API; *2 variants are 1.60+ */

#define COUNT(loop, field, n) atomic_fetch_add_explicit(&(loop)->counters.field, (n), memory_order_relaxed)

static uint32_t slot_of(nghttp2_session *session, int32_t stream_id) {
    void *data = nghttp2_session_get_stream_user_data(session, stream_id);
    return data == NULL ? UINT32_MAX : (uint32_t)((uintptr_t)data - 1);
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *user_data) {
    (void)flags;
    lc_conn *conn = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS || namelen != 7 || memcmp(name, ":status", 7) != 0) return 0;
    uint32_t slot = slot_of(session, frame->hd.stream_id);
    if (slot == UINT32_MAX || valuelen != 3) return 0;
    uint16_t status = 0;
    for (size_t i = 0; i < 3; i++) {
        if (value[i] < '0' || value[i] > '9') return 0;
        status = (uint16_t)(status * 10 + (value[i] - '0'));
    }
    conn->slots[slot].status = status; /* a 1xx is overwritten by the final status */
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code, void *user_data) {
    lc_conn *conn = user_data;
    uint32_t slot = slot_of(session, stream_id);
    if (slot == UINT32_MAX) return 0;
    nghttp2_session_set_stream_user_data(session, stream_id, NULL);
    uint16_t status = conn->slots[slot].status;
    if (error_code == NGHTTP2_NO_ERROR && status >= 200) lc_conn_complete(conn, slot, status);
    else lc_conn_fail_slot(conn, slot, LC_ERROR_RESET);
    return 0;
}

/* DATA: counted into the stream's slot (lc_sample.bytes_in) and, for a request that keeps
   its body (LC_REQUEST_KEEP_BODY), copied into the slot's body, up to body_limit. */
static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
                         void *user_data) {
    (void)flags;
    lc_conn *conn = user_data;
    uint32_t slot = slot_of(session, stream_id);
    if (slot == UINT32_MAX) return 0;
    lc_inflight *entry = &conn->slots[slot];
    lc_inflight_add_bytes(entry, len);
    if (conn->bodies == NULL || !(conn->loop->config.requests[entry->request_index].flags & LC_REQUEST_KEEP_BODY)) return 0;
    uint32_t room = conn->loop->config.body_limit - entry->body_len;
    if (len > room) { entry->body_too_large = 1; len = room; }
    memcpy(lc_conn_body(conn, slot) + entry->body_len, data, len);
    entry->body_len += (uint32_t)len;
    return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data) {
    lc_conn *conn = user_data;
    /* A stream's header block counts as its compressed size (called before the stream closes). */
    if (frame->hd.type == NGHTTP2_HEADERS) {
        uint32_t slot = slot_of(session, frame->hd.stream_id);
        if (slot != UINT32_MAX) lc_inflight_add_bytes(&conn->slots[slot], frame->hd.length);
    }
    if (frame->hd.type == NGHTTP2_GOAWAY && conn->state == LC_CONN_OPEN) conn->state = LC_CONN_CLOSING;
    if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) conn->h2_ready = 1;
    return 0;
}

nghttp2_session_callbacks *lc_h2_callbacks_new(int keep_bodies) {
    nghttp2_session_callbacks *callbacks = NULL;
    if (nghttp2_session_callbacks_new(&callbacks) != 0) return NULL;
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    (void)keep_bodies; /* DATA is always counted; bodies are kept per request */
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    return callbacks;
}

void lc_h2_callbacks_free(nghttp2_session_callbacks *callbacks) {
    if (callbacks != NULL) nghttp2_session_callbacks_del(callbacks);
}

/* A request body, read out of the caller's bytes as the session asks for it. */
static ssize_t read_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                         uint32_t *data_flags, nghttp2_data_source *source, void *user_data) {
    lc_conn *conn = user_data;
    const lc_h2_request *request = source->ptr;
    uint32_t slot = slot_of(session, stream_id);
    if (slot == UINT32_MAX) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    lc_inflight *entry = &conn->slots[slot];
    size_t left = request->body_len - entry->body_offset;
    size_t n = left < length ? left : length;
    memcpy(buf, request->body + entry->body_offset, n);
    entry->body_offset += (uint32_t)n;
    if (entry->body_offset == request->body_len) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static void h2_open(lc_conn *conn) {
    if (conn->h2 != NULL) {
        nghttp2_session_del(conn->h2); /* calls no stream callbacks: the core has accounted for them */
        conn->h2 = NULL;
    }
    conn->h2_pending = NULL;
    conn->h2_pending_len = 0;
    conn->h2_ready = 0;
    if (conn->state != LC_CONN_OPEN) return;
    if (nghttp2_session_client_new(&conn->h2, conn->loop->h2_callbacks, conn) != 0) {
        conn->h2 = NULL;
        conn->state = LC_CONN_CLOSING; /* takes nothing; the sweep's timeout replaces it */
        return;
    }
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 0}, /* no pushed streams */
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 20},
    };
    nghttp2_submit_settings(conn->h2, NGHTTP2_FLAG_NONE, settings, sizeof settings / sizeof settings[0]);
    COUNT(conn->loop, connects_h2, 1);
    lc_loop_mark_dirty(conn->loop, conn);
}

static int h2_has_room(const lc_conn *conn) {
    if (conn->h2 == NULL || !conn->h2_ready) return 0;
    uint32_t allowed = nghttp2_session_get_remote_settings(conn->h2, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
    return conn->inflight < allowed;
}

static int h2_submit(lc_conn *conn, uint32_t slot, const lc_request *request) {
    if (!h2_has_room(conn)) return -1;
    const lc_h2_request *fields = &conn->loop->h2_requests[request - conn->loop->config.requests];
    conn->slots[slot].status = 0;
    conn->slots[slot].body_offset = 0;
    nghttp2_data_provider body = {.source.ptr = (void *)fields, .read_callback = read_body};
    const nghttp2_nv *nv = fields->nv;
    if (fields->trace_field >= 0) {
        /* --trace: the table's fields with this stream's traceparent. nghttp2 copies the array,
           not the value (NO_COPY): the slot keeps it until the stream closes. */
        nghttp2_nv *scratch = conn->loop->h2_nv;
        memcpy(scratch, fields->nv, fields->nvlen * sizeof *scratch);
        lc_loop_trace(conn->loop, conn->slots[slot].trace_seq, conn->slots[slot].traceparent);
        scratch[fields->trace_field].value = (uint8_t *)conn->slots[slot].traceparent;
        nv = scratch;
    }
    int32_t stream = nghttp2_submit_request(conn->h2, NULL, nv, fields->nvlen,
                                            fields->body_len > 0 ? &body : NULL, (void *)(uintptr_t)(slot + 1));
    if (stream < 0) {
        /* Stream ids used up (or no memory): finish this connection, then a fresh one. */
        if (conn->state == LC_CONN_OPEN) conn->state = LC_CONN_CLOSING;
        return -1;
    }
    return 0;
}

static int h2_produce(lc_conn *conn) {
    if (conn->h2 == NULL) return 0;
    for (;;) {
        if (conn->h2_pending_len == 0) {
            ssize_t n = nghttp2_session_mem_send(conn->h2, &conn->h2_pending);
            if (n < 0) return -1;
            if (n == 0) return 0;
            conn->h2_pending_len = (size_t)n;
        }
        uint32_t room = conn->wbuf_cap - conn->wbuf_len;
        if (room == 0) return 0; /* the rest waits for the socket */
        size_t take = conn->h2_pending_len < room ? conn->h2_pending_len : room;
        memcpy(conn->wbuf + conn->wbuf_len, conn->h2_pending, take);
        conn->wbuf_len += (uint32_t)take;
        conn->h2_pending += take;
        conn->h2_pending_len -= take;
    }
}

static ssize_t h2_receive(lc_conn *conn, const char *data, size_t len) {
    if (conn->h2 == NULL) return -1;
    ssize_t used = nghttp2_session_mem_recv(conn->h2, (const uint8_t *)data, len);
    if (used < 0) return -1;
    lc_loop_mark_dirty(conn->loop, conn); /* SETTINGS ACKs, WINDOW_UPDATEs, PING replies */
    if (conn->state == LC_CONN_OPEN && !nghttp2_session_want_read(conn->h2) && !nghttp2_session_want_write(conn->h2))
        conn->state = LC_CONN_CLOSING;
    return used;
}

static int h2_eof(lc_conn *conn) {
    (void)conn;
    return 0; /* nothing in flight completes on EOF */
}

const lc_protocol lc_h2_protocol = {
    .name = "h2",
    .open = h2_open,
    .has_room = h2_has_room,
    .submit = h2_submit,
    .produce = h2_produce,
    .receive = h2_receive,
    .eof = h2_eof,
};
