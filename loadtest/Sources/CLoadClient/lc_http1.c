/*
 * lc_http1.c: the HTTP/1.1 protocol: requests are copied into the write buffer as they
 * are (pipelined up to the connection's depth), and responses complete their requests
 * strictly in send order.
 */
#include <string.h>
#include "lc_internal.h"

static void h1_open(lc_conn *conn) {
    conn->order_head = 0;
    conn->order_count = 0;
    conn->h1_active = 0;
}

static int h1_submit(lc_conn *conn, uint32_t slot, const lc_request *request) {
    if (conn->wbuf_cap - conn->wbuf_len < request->len || conn->order_count == conn->max_inflight) return -1;
    memcpy(conn->wbuf + conn->wbuf_len, request->bytes, request->len);
    /* --trace: this send's traceparent over the copy's placeholder. */
    if (request->trace_offset != 0)
        lc_loop_trace(conn->loop, conn->slots[slot].trace_seq, conn->wbuf + conn->wbuf_len + request->trace_offset);
    conn->wbuf_len += request->len;
    conn->order[(conn->order_head + conn->order_count) % conn->max_inflight] = slot;
    conn->order_count++;
    return 0;
}

static uint32_t h1_pop(lc_conn *conn) {
    uint32_t slot = conn->order[conn->order_head];
    if (conn->h1.capture != NULL) { /* the kept body's length, for the sample */
        conn->slots[slot].body_len = conn->h1.capture_len;
        conn->slots[slot].body_too_large = conn->h1.capture_overflow;
    }
    conn->order_head = (conn->order_head + 1) % conn->max_inflight;
    conn->order_count--;
    conn->h1_active = 0;
    return slot;
}

static ssize_t h1_receive(lc_conn *conn, const char *data, size_t len) {
    size_t used = 0;
    while (used < len) {
        if (conn->order_count == 0) return -1; /* bytes nobody asked for */
        if (!conn->h1_active) {
            const lc_inflight *oldest = &conn->slots[conn->order[conn->order_head]];
            const lc_request *request = &conn->loop->config.requests[oldest->request_index];
            lc_h1_response_begin(&conn->h1, (request->flags & LC_REQUEST_HEAD) != 0, conn->rbuf_cap - 1);
            if (conn->bodies != NULL && (request->flags & LC_REQUEST_KEEP_BODY)) {
                conn->h1.capture = lc_conn_body(conn, conn->order[conn->order_head]);
                conn->h1.capture_cap = conn->loop->config.body_limit;
            }
            conn->h1_active = 1;
        }
        size_t consumed = 0;
        int result = lc_h1_response_feed(&conn->h1, data + used, len - used, &consumed);
        used += consumed;
        lc_inflight_add_bytes(&conn->slots[conn->order[conn->order_head]], consumed);
        if (result == LC_H1_ERROR) return -1;
        if (result == LC_H1_MORE) return (ssize_t)used;
        int close_after = conn->h1.close;
        lc_conn_complete(conn, h1_pop(conn), conn->h1.status);
        if (close_after) {
            conn->state = LC_CONN_CLOSING;
            return (ssize_t)len; /* nothing after a final response counts */
        }
    }
    return (ssize_t)used;
}

static int h1_eof(lc_conn *conn) {
    if (!conn->h1_active || lc_h1_response_eof(&conn->h1) != LC_H1_DONE) return 0;
    lc_conn_complete(conn, h1_pop(conn), conn->h1.status);
    return 1;
}

const lc_protocol lc_http1_protocol = {
    .name = "http/1.1",
    .open = h1_open,
    .submit = h1_submit,
    .receive = h1_receive,
    .eof = h1_eof,
};
