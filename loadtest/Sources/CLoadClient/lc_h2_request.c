/*
 * lc_h2_request.c: the request table as HTTP/2 header fields.
 *
 * The Swift side renders every request once as HTTP/1.1 bytes. For HTTP/2 each one is
 * translated here, before the run: the request line becomes :method, :scheme and :path,
 * Host becomes :authority, names are lower-cased (RFC 9113 §8.2.1) and the
 * connection-specific fields (Connection, Keep-Alive, Transfer-Encoding, Upgrade…) are
 * dropped. Values and the body stay in the caller's bytes; one block per request holds
 * the field array and the lower-cased names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <nghttp2/nghttp2.h>
#include "lc_internal.h"

typedef struct {
    const char *name, *value;
    size_t name_len, value_len;
} h1_field;

static const char *find_crlf(const char *p, const char *end) {
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n') return p;
    return NULL;
}

static int is_connection_specific(const char *name, size_t len) {
    static const char *const names[] = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                                        "upgrade", "host"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0) return 1;
    return 0;
}

static nghttp2_nv field(const char *name, size_t name_len, const char *value, size_t value_len) {
    nghttp2_nv nv = {(uint8_t *)name, (uint8_t *)value, name_len, value_len,
                     NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    return nv;
}

/* One request: 0, or -1 (EINVAL) when its bytes are not a request head. */
static int build_one(const lc_request *request, int tls, lc_h2_request *out) {
    const char *p = request->bytes, *end = request->bytes + request->len;
    const char *line_end = find_crlf(p, end);
    if (line_end == NULL) return -1;
    const char *sp1 = memchr(p, ' ', (size_t)(line_end - p));
    if (sp1 == NULL) return -1;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
    if (sp2 == NULL) return -1;

    /* First pass: count fields and name bytes; find Host and the end of the head. */
    size_t fields = 0, name_bytes = 0;
    const char *host = NULL;
    size_t host_len = 0;
    const char *q = line_end + 2;
    for (;;) {
        const char *e = find_crlf(q, end);
        if (e == NULL) return -1;
        if (e == q) { q = e + 2; break; } /* the empty line */
        const char *colon = memchr(q, ':', (size_t)(e - q));
        if (colon == NULL || colon == q) return -1;
        size_t name_len = (size_t)(colon - q);
        const char *v = colon + 1;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        const char *ve = e;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        if (name_len == 4 && strncasecmp(q, "host", 4) == 0) { host = v; host_len = (size_t)(ve - v); }
        if (!is_connection_specific(q, name_len)) { fields++; name_bytes += name_len; }
        q = e + 2;
    }
    if (host == NULL) return -1;
    const char *body = q; /* just past the empty line */
    size_t count = 4 + fields;
    char *storage = malloc(count * sizeof(nghttp2_nv) + name_bytes);
    if (storage == NULL) return -1;
    nghttp2_nv *nv = (nghttp2_nv *)storage;
    char *names = storage + count * sizeof(nghttp2_nv);
    size_t n = 0;
    nv[n++] = field(":method", 7, p, (size_t)(sp1 - p));
    nv[n++] = field(":scheme", 7, tls ? "https" : "http", tls ? 5 : 4);
    nv[n++] = field(":authority", 10, host, host_len);
    nv[n++] = field(":path", 5, sp1 + 1, (size_t)(sp2 - sp1 - 1));

    /* Second pass: the fields, names lower-cased into `names`. */
    q = line_end + 2;
    for (;;) {
        const char *e = find_crlf(q, end);
        if (e == q) break;
        const char *colon = memchr(q, ':', (size_t)(e - q));
        size_t name_len = (size_t)(colon - q);
        const char *v = colon + 1;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        const char *ve = e;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        if (!is_connection_specific(q, name_len)) {
            for (size_t i = 0; i < name_len; i++) {
                char c = q[i];
                names[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
            }
            nv[n++] = field(names, name_len, v, (size_t)(ve - v));
            names += name_len;
        }
        q = e + 2;
    }
    out->nv = nv;
    out->nvlen = n;
    out->body = body;
    out->body_len = (uint32_t)(end - body);
    out->storage = storage;
    out->trace_field = -1;
    if (request->trace_offset != 0) {
        for (size_t i = 0; i < n; i++)
            if ((const char *)nv[i].value == request->bytes + request->trace_offset) out->trace_field = (int32_t)i;
        if (out->trace_field < 0) { free(storage); return -1; } /* the placeholder is not a field value */
    }
    return 0;
}

lc_h2_request *lc_h2_requests_build(const lc_request *requests, uint32_t count, int tls) {
    lc_h2_request *table = calloc(count, sizeof *table);
    if (table == NULL) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        if (build_one(&requests[i], tls, &table[i]) != 0) {
            lc_h2_requests_free(table, i);
            errno = EINVAL;
            return NULL;
        }
    }
    return table;
}

void lc_h2_requests_free(lc_h2_request *requests, uint32_t count) {
    if (requests == NULL) return;
    for (uint32_t i = 0; i < count; i++) free(requests[i].storage);
    free(requests);
}
