/*
 * es_h2_response.c: submitting an HTTP/2 stream's answer to nghttp2: Swift's response (or
 * the shim's own refusal) becomes a header list, lowercased and without connection-specific
 * fields, with per-request values never indexed, and a body read under flow control.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "es_h2_internal.h"

static es_h2_ssize read_response(nghttp2_session *ng, int32_t stream_id, uint8_t *buf, size_t length,
                                 uint32_t *data_flags, nghttp2_data_source *source, void *user_data) {
    (void)ng; (void)stream_id; (void)user_data;
    es_h2_stream *stream = source->ptr;
    size_t left = stream->response_len - stream->response_sent;
    size_t n = left < length ? left : length;
    if (n > 0) memcpy(buf, stream->response + stream->response_sent, n);
    stream->response_sent += n;
    if (stream->response_sent == stream->response_len) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (es_h2_ssize)n;
}

/* Fields that mean something only to one HTTP/1.1 hop (RFC 9113 §8.2.2). */
static int connection_specific(const char *name, size_t len) {
    return NAME_IS_CASELESS(name, len, "connection") || NAME_IS_CASELESS(name, len, "keep-alive") ||
           NAME_IS_CASELESS(name, len, "proxy-connection") || NAME_IS_CASELESS(name, len, "transfer-encoding") ||
           NAME_IS_CASELESS(name, len, "upgrade");
}

#define NV(n, nlen, v, vlen) \
    ((nghttp2_nv){(uint8_t *)(n), (uint8_t *)(v), (nlen), (vlen), NGHTTP2_NV_FLAG_NONE})

/* A name in static storage, already lowercase: nghttp2 neither copies nor lowercases it
   (copying and lowercasing each response's names had cost about 70 ns a request). */
#define STATIC_NV(literal, v, vlen) \
    ((nghttp2_nv){(uint8_t *)(literal), (uint8_t *)(v), sizeof(literal) - 1, (vlen), NGHTTP2_NV_FLAG_NO_COPY_NAME})

/* Names handlers commonly send, so that their fields can use a static name too. */
#define KNOWN(literal) {literal, sizeof(literal) - 1}
static const struct { const char *name; size_t len; } static_names[] = {
    KNOWN("x-request-id"), KNOWN("allow"), KNOWN("cache-control"), KNOWN("location"),
    KNOWN("retry-after"), KNOWN("etag"), KNOWN("vary"), KNOWN("last-modified"),
    KNOWN("set-cookie"), KNOWN("www-authenticate"), KNOWN("content-encoding"), KNOWN("content-language"),
};

static const char *static_name(const char *lower, size_t len) {
    for (size_t i = 0; i < sizeof static_names / sizeof static_names[0]; i++)
        if (static_names[i].len == len && memcmp(static_names[i].name, lower, len) == 0) return static_names[i].name;
    return NULL;
}

/* Fields whose value differs on every response (or must not sit in a shared table): encoded
   as never-indexed literals (RFC 7541 §6.2.3), so they never churn the HPACK dynamic
   table that keeps the repeated fields (server, content-type, date) one byte each. */
static int never_indexed(const char *lower_name, size_t len) {
    return NAME_IS(lower_name, len, "x-request-id") || NAME_IS(lower_name, len, "set-cookie") ||
           NAME_IS(lower_name, len, "authorization") || NAME_IS(lower_name, len, "etag");
}

/* x-request-id is never indexed, but a never-indexed field still refers to its name in the
   HPACK table when the name is there (RFC 7541 §6.2.3), which saves Huffman-coding the
   name on every response. So one response in 1,024 per connection lets its field be
   indexed, which puts the name in the table (again, once other entries evicted it). */
enum { REQUEST_ID_NAME_REFRESH = 1024 };

static int index_request_id_name(es_h2_session *h2, const char *lower, size_t len) {
    if (!NAME_IS(lower, len, "x-request-id")) return 0;
    return h2->request_id_fields++ % REQUEST_ID_NAME_REFRESH == 0;
}

enum { MAX_RESPONSE_FIELDS = 64, NAME_SCRATCH = 2048 };

/* Submits the response: the fixed fields, Swift's fields with their names lowercased
   (RFC 9113 §8.2.1), and the body (copied: the caller's
   memory is only valid during the call). */
static void stream_submit(es_h2_stream *stream, const es_response *response) {
    es_h2_session *h2 = stream->session;
    es_loop *loop = h2->conn->loop;
    uint16_t status = response->status;
    int bodiless = status < 200 || status == 204 || status == 304;
    char status_text[4] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                           (char)('0' + status % 10), 0};
    char length_text[24];
    size_t length_len = 0;
    {   /* decimal, without snprintf's per-call set-up */
        char digits[24];
        size_t value = response->body_len;
        do { digits[length_len++] = (char)('0' + value % 10); value /= 10; } while (value != 0);
        for (size_t i = 0; i < length_len; i++) length_text[i] = digits[length_len - 1 - i];
    }
    nghttp2_nv nva[MAX_RESPONSE_FIELDS];
    size_t n = 0;
    nva[n++] = STATIC_NV(":status", status_text, 3);
    nva[n++] = STATIC_NV("server", loop->config.server_name, loop->server_name_len);
    nva[n++] = STATIC_NV("date", loop->date, 29);
    if (response->content_type != NULL)
        nva[n++] = STATIC_NV("content-type", response->content_type, response->content_type_len);
    if (!bodiless) nva[n++] = STATIC_NV("content-length", length_text, length_len);
    char names[NAME_SCRATCH];
    size_t names_used = 0;
    for (uint32_t f = 0; f < response->field_count && n < MAX_RESPONSE_FIELDS; f++) {
        const es_field *field = &response->fields[f];
        size_t name_len = field->name_len;
        if (connection_specific(field->name, name_len) || names_used + name_len > sizeof names) continue;
        char *lower = names + names_used;
        for (size_t i = 0; i < name_len; i++) {
            char c = field->name[i];
            lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        }
        const char *known = static_name(lower, name_len);
        if (known != NULL) {
            nva[n] = NV(known, name_len, field->value, field->value_len);
            nva[n].flags = NGHTTP2_NV_FLAG_NO_COPY_NAME;
        } else {
            names_used += name_len;
            nva[n] = NV(lower, name_len, field->value, field->value_len);
        }
        if (never_indexed(lower, name_len) && !index_request_id_name(h2, lower, name_len))
            nva[n].flags |= NGHTTP2_NV_FLAG_NO_INDEX;
        n++;
    }
    es_h2_data_provider provider;
    es_h2_data_provider *body = NULL;
    if (!bodiless && !stream->head_only && response->body_len > 0) {
        stream->response = response->body_len <= sizeof stream->inline_response
            ? stream->inline_response : malloc(response->body_len);
        if (stream->response != NULL) {
            memcpy(stream->response, response->body, response->body_len);
            stream->response_len = response->body_len;
            provider.source.ptr = stream;
            provider.read_callback = read_response;
            body = &provider;
        }
    }
    stream->answered = 1;
    if (stream->receiving && !stream->answered_early) { stream->answered_early = 1; h2->early_answers++; }
    if (ES_H2_SUBMIT_RESPONSE(h2->ng, stream->id, nva, n, body) != 0)
        nghttp2_submit_rst_stream(h2->ng, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_INTERNAL_ERROR);
}

void es_h2_stream_respond(es_h2_stream *stream, const es_response *response) {
    es_h2_session *h2 = stream->session;
    if (h2 == NULL) { es_h2_stream_free(stream); return; } /* the connection is gone */
    stream->dispatched = 0;
    h2->inflight--;
    es_conn *conn = h2->conn;
    if (stream->closed) {
        es_h2_stream_free(stream); /* the client reset it: the answer has nowhere to go */
    } else {
        stream_submit(stream, response);
    }
    if (!h2->in_recv) es_conn_schedule(conn);
}

/* The shim's own refusal, in the same JSON shape as every other error. */
void es_h2_stream_fail(es_h2_stream *stream, uint16_t status, const char *code, const char *message) {
    es_error_body body;
    es_response response;
    es_error_response(&response, &body, status, code, message);
    stream_submit(stream, &response);
}
