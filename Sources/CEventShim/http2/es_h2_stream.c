/*
 * es_h2_stream.c: one HTTP/2 request/response exchange: the pooled stream record,
 * collecting the request's fields and body, and handing the request to Swift in the same
 * shape as an HTTP/1.1 one. The answer goes out through es_h2_response.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "es_h2_internal.h"

enum { PSEUDO_METHOD = 1, PSEUDO_PATH = 2, PSEUDO_AUTHORITY = 4, PSEUDO_SCHEME = 8 };

enum { ES_H2_STREAM_POOL_MAX = 256 };

es_h2_stream *es_h2_stream_new(es_h2_session *h2, int32_t id) {
    es_h2_pools *pools = es_h2_pools_of(h2->conn->loop);
    es_h2_stream *stream = pools->free_streams;
    if (stream != NULL) {
        pools->free_streams = stream->next;
        pools->free_stream_count--;
    } else {
        stream = malloc(sizeof *stream);
        if (stream == NULL) return NULL;
    }
    /* Clear the bookkeeping only; the inline buffers are written before they are read. */
    memset(stream, 0, offsetof(es_h2_stream, inline_fields));
    stream->pools = pools;
    stream->io_kind = ES_IO_H2_STREAM;
    stream->id = id;
    stream->window_before = -1;
    stream->session = h2;
    stream->next = h2->streams.all;
    if (h2->streams.all != NULL) h2->streams.all->prev = stream;
    h2->streams.all = stream;
    stream->receiving = 1;
    h2->awaiting_client++;
    return stream;
}

void es_h2_stream_unlink(es_h2_stream *stream) {
    es_h2_session *h2 = stream->session;
    if (h2 == NULL) return;
    if (h2->header_stream == stream) h2->header_stream = NULL;
    es_h2_streams_remove(&h2->streams, stream);
    if (stream->answered_early) { stream->answered_early = 0; h2->early_answers--; }
    if (stream->prev != NULL) stream->prev->next = stream->next;
    else if (h2->streams.all == stream) h2->streams.all = stream->next;
    if (stream->next != NULL) stream->next->prev = stream->prev;
    stream->prev = stream->next = NULL;
}

void es_h2_stream_free(es_h2_stream *stream) {
    es_h2_stream_unlink(stream);
    if (stream->arena != stream->inline_arena) free(stream->arena);
    if (stream->fields != stream->inline_fields) free(stream->fields);
    free(stream->body);
    if (stream->response != stream->inline_response) free(stream->response);
    es_h2_pools *pools = stream->pools;
    if (pools->free_stream_count < ES_H2_STREAM_POOL_MAX) {
        stream->next = pools->free_streams;
        pools->free_streams = stream;
        pools->free_stream_count++;
    } else {
        free(stream);
    }
}

void es_h2_streams_free_pool(es_h2_pools *pools) {
    while (pools->free_streams != NULL) {
        es_h2_stream *next = pools->free_streams->next;
        free(pools->free_streams);
        pools->free_streams = next;
    }
    pools->free_stream_count = 0;
}

/* Appends bytes to the arena; returns their offset, or UINT32_MAX when out of memory. */
static uint32_t arena_put(es_h2_stream *stream, const uint8_t *bytes, size_t len) {
    if (stream->arena == NULL) {
        stream->arena = stream->inline_arena;
        stream->arena_cap = sizeof stream->inline_arena;
    }
    if ((uint64_t)stream->arena_len + len > stream->arena_cap) {
        uint64_t cap = stream->arena_cap;
        while (cap < (uint64_t)stream->arena_len + len) cap *= 2;
        if (cap > UINT32_MAX / 2) return UINT32_MAX;
        char *grown;
        if (stream->arena == stream->inline_arena) {
            grown = malloc(cap);
            if (grown != NULL) memcpy(grown, stream->arena, stream->arena_len);
        } else {
            grown = realloc(stream->arena, cap);
        }
        if (grown == NULL) return UINT32_MAX;
        stream->arena = grown;
        stream->arena_cap = (uint32_t)cap;
    }
    uint32_t offset = stream->arena_len;
    if (len > 0) memcpy(stream->arena + offset, bytes, len);
    stream->arena_len += (uint32_t)len;
    return offset;
}


/* Returns 0, or -1 when out of memory. nghttp2 has already checked the field's syntax,
   the pseudo-header rules and connection-specific fields (RFC 9113 §8.2, §8.3). */
int es_h2_stream_add_field(es_h2_stream *stream, const uint8_t *name, size_t name_len,
                           const uint8_t *value, size_t value_len, const es_loop_config *config) {
    if (stream->fields_too_large) return 0;
    /* The same budget as an HTTP/1.1 header block: count, and bytes (RFC 7541 §4.1 size). */
    uint64_t size = (uint64_t)stream->arena_len + name_len + value_len + 32u * (stream->field_count + 1);
    if (stream->field_count >= config->limits.max_header_count || size > config->h2_max_header_list) {
        stream->fields_too_large = 1;
        return 0;
    }
    uint32_t name_off = arena_put(stream, name, name_len);
    uint32_t value_off = arena_put(stream, value, value_len);
    if (name_off == UINT32_MAX || value_off == UINT32_MAX) return -1;
    es_h2_field_ref ref = {name_off, (uint32_t)name_len, value_off, (uint32_t)value_len};
    if (name_len > 0 && name[0] == ':') {
        if (NAME_IS(name, name_len, ":method")) { stream->method = ref; stream->seen_pseudo |= PSEUDO_METHOD; }
        else if (NAME_IS(name, name_len, ":path")) { stream->path = ref; stream->seen_pseudo |= PSEUDO_PATH; }
        else if (NAME_IS(name, name_len, ":authority")) { stream->authority = ref; stream->seen_pseudo |= PSEUDO_AUTHORITY; }
        else if (NAME_IS(name, name_len, ":scheme")) { stream->scheme = ref; stream->seen_pseudo |= PSEUDO_SCHEME; }
        return 0;
    }
    if (stream->fields == NULL) {
        stream->fields = stream->inline_fields;
        stream->field_cap = sizeof stream->inline_fields / sizeof stream->inline_fields[0];
    }
    if (stream->field_count == stream->field_cap) {
        uint32_t cap = stream->field_cap * 2;
        es_h2_field_ref *grown;
        if (stream->fields == stream->inline_fields) {
            grown = malloc(cap * sizeof *grown);
            if (grown != NULL) memcpy(grown, stream->fields, stream->field_count * sizeof *grown);
        } else {
            grown = realloc(stream->fields, cap * sizeof *grown);
        }
        if (grown == NULL) return -1;
        stream->fields = grown;
        stream->field_cap = cap;
    }
    stream->fields[stream->field_count++] = ref;
    return 0;
}

/* Returns 0, 1 when the body went over max_body (nothing more is kept), -1 out of memory. */
int es_h2_stream_add_body(es_h2_stream *stream, const uint8_t *data, size_t len, uint64_t max_body) {
    if (stream->body_too_large || stream->answered) return 0;
    if ((uint64_t)stream->body_len + len > max_body) {
        stream->body_too_large = 1;
        free(stream->body);
        stream->body = NULL;
        stream->body_len = stream->body_cap = 0;
        return 1;
    }
    if (stream->body_len + len > stream->body_cap) {
        size_t cap = stream->body_cap ? stream->body_cap : 1024;
        while (cap < stream->body_len + len) cap *= 2;
        if (cap > max_body) cap = (size_t)max_body;
        char *grown = realloc(stream->body, cap);
        if (grown == NULL) return -1;
        stream->body = grown;
        stream->body_cap = cap;
    }
    memcpy(stream->body + stream->body_len, data, len);
    stream->body_len += len;
    return 0;
}

/* ---- handing a request to Swift ----------------------------------------------------- */

void es_h2_stream_dispatch(es_h2_stream *stream) {
    es_h2_session *h2 = stream->session;
    es_conn *conn = h2->conn;
    es_loop *loop = conn->loop;
    if (stream->fields_too_large) {
        es_h2_stream_fail(stream, 431, "header_fields_too_large", "The request's header fields are larger than this server accepts");
        return;
    }
    if (stream->body_too_large) return; /* answered 413 when the body crossed the limit */
    if ((stream->seen_pseudo & (PSEUDO_METHOD | PSEUDO_PATH)) != (PSEUDO_METHOD | PSEUDO_PATH)) {
        es_h2_stream_fail(stream, 400, "missing_pseudo_header", "The request lacks :method or :path");
        return;
    }
    const char *arena = stream->arena;
    es_request request = {
        .method = es_method_from_name((const uint8_t *)arena + stream->method.value_off, stream->method.value_len),
        .proto = ES_PROTO_HTTP2, .tls = conn->tls, .stream_id = (uint32_t)stream->id,
        .conn_id = conn->id, .received_ns = loop->woke_ns,
        .authority = "", .body = stream->body, .body_len = stream->body_len,
    };
    if (request.method == 0) {
        es_h2_stream_fail(stream, 501, "method_not_implemented", "The request method is not supported");
        return;
    }
    const char *path = arena + stream->path.value_off;
    uint32_t path_len = stream->path.value_len;
    if (path_len == 1 && path[0] == '*') {
        /* asterisk-form: OPTIONS only (RFC 9113 §8.3.1) */
        if (request.method != ES_METHOD_OPTIONS) {
            es_h2_stream_fail(stream, 400, "invalid_target", "The request target is not valid for this method");
            return;
        }
        request.target = request.path = path;
        request.target_len = request.path_len = 1;
    } else if (path_len == 0 || path[0] != '/') {
        es_h2_stream_fail(stream, 400, "invalid_target", "The :path must start with a slash");
        return;
    } else {
        es_request_set_target(&request, path, path_len);
    }
    es_field fields_on_stack[32];
    es_field *fields = fields_on_stack;
    if (stream->field_count > 32) {
        fields = malloc(stream->field_count * sizeof *fields);
        if (fields == NULL) {
            nghttp2_submit_rst_stream(h2->ng, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_INTERNAL_ERROR);
            return;
        }
    }
    if (stream->seen_pseudo & PSEUDO_AUTHORITY) {
        request.authority = arena + stream->authority.value_off;
        request.authority_len = stream->authority.value_len;
    }
    for (uint32_t i = 0; i < stream->field_count; i++) {
        const es_h2_field_ref *ref = &stream->fields[i];
        fields[i] = (es_field){arena + ref->name_off, arena + ref->value_off, ref->name_len, ref->value_len};
        /* Without :authority, Host names the authority (RFC 9113 §8.3.1). */
        if (!(stream->seen_pseudo & PSEUDO_AUTHORITY) && ref->name_len == 4 && memcmp(arena + ref->name_off, "host", 4) == 0) {
            request.authority = arena + ref->value_off;
            request.authority_len = ref->value_len;
        }
    }
    request.fields = fields;
    request.field_count = stream->field_count;
    stream->head_only = request.method == ES_METHOD_HEAD;

    stream->dispatched = 1;
    h2->inflight++;
    loop->callbacks.on_request(loop->callbacks.ctx, (es_exchange *)stream, &request);
    if (fields != fields_on_stack) free(fields);
}

/* The request that asked for the h2c upgrade becomes stream 1 (RFC 7540 §3.2). HTTP/1.1
   parsed it; its bytes are copied into the stream (the read buffer they sit in carries
   HTTP/2 frames from now on), less the fields that only described the upgrade or the
   HTTP/1.1 hop, with names lowercased as HTTP/2 has them. */
int es_h2_stream_take_request(es_h2_stream *stream, const es_request *request) {
    static const char *const skipped[] = {"connection", "upgrade", "http2-settings", "keep-alive",
                                          "proxy-connection", "transfer-encoding", "te", "host"};
    const es_loop_config *config = &stream->session->conn->loop->config;
    const char *method = es_method_name(request->method);
    if (es_h2_stream_add_field(stream, (const uint8_t *)":method", 7, (const uint8_t *)method, strlen(method), config) ||
        es_h2_stream_add_field(stream, (const uint8_t *)":path", 5, (const uint8_t *)request->target, request->target_len, config) ||
        es_h2_stream_add_field(stream, (const uint8_t *)":authority", 10, (const uint8_t *)request->authority, request->authority_len, config))
        return -1;
    for (uint32_t i = 0; i < request->field_count; i++) {
        const es_field *f = &request->fields[i];
        int skip = 0;
        for (size_t k = 0; k < sizeof skipped / sizeof skipped[0] && !skip; k++)
            skip = strlen(skipped[k]) == f->name_len && strncasecmp(skipped[k], f->name, f->name_len) == 0;
        if (skip) continue;
        char lower[256];
        if (f->name_len > sizeof lower) continue;
        for (uint32_t c = 0; c < f->name_len; c++)
            lower[c] = (f->name[c] >= 'A' && f->name[c] <= 'Z') ? (char)(f->name[c] + 32) : f->name[c];
        if (es_h2_stream_add_field(stream, (const uint8_t *)lower, f->name_len, (const uint8_t *)f->value, f->value_len, config))
            return -1;
    }
    return 0;
}
