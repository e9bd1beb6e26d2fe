/*
 * http1_parser_fuzz.c: libFuzzer harness for the strict HTTP/1.1 parser.
 *
 * Input: byte 0 picks the mode and limits, byte 1 a split point; the rest is the request.
 *   mode bit 0x01: feed the rest straight to the chunked decoder (no head);
 *   mode bit 0x02: small limits (so 413/414/431 paths are reached with short inputs).
 *
 * Checks, besides ASan/UBSan/LSan:
 *   - es_http1_parse_head gives the same verdict (result, head_len, error status and code,
 *     parsed fields) on the whole buffer and fed one growing prefix at a time, as the
 *     header promises ("the same result whether it arrives whole or one byte at a time");
 *   - every pointer it returns lies inside the buffer (or is one of its static strings);
 *   - a chunked body decodes to the same bytes, consumption and verdict whole and split
 *     at an input-chosen point, never decodes more bytes than it consumed, and never
 *     exceeds max_body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_http1_parser.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); abort(); } } while (0)

static int inside(const char *p, uint32_t n, const char *buf, size_t len) {
    if (p == NULL) return n == 0;
    if (p >= buf && p + n <= buf + len) return 1;
    return n <= 1; /* the parser's static "/" or "" */
}

typedef struct outcome {
    int result;
    uint32_t head_len;
    uint16_t status;
    const char *code;
    es_http1_request req;
} outcome;

static outcome parse_whole(const char *buf, size_t len, const es_http1_limits *limits,
                           es_http1_header *headers) {
    es_http1_parser parser;
    es_http1_parser_reset(&parser);
    outcome o;
    memset(&o, 0, sizeof o);
    o.result = es_http1_parse_head(&parser, buf, len, limits, &o.req, headers, limits->max_header_count);
    if (o.result == ES_HTTP1_OK) o.head_len = o.req.head_len;
    if (o.result == ES_HTTP1_ERROR) { o.status = parser.error.status; o.code = parser.error.code; }
    return o;
}

/* Feeds prefixes buf[0..k) with k growing in steps taken from the input, as the loop does. */
static outcome parse_growing(const char *buf, size_t len, const es_http1_limits *limits,
                             es_http1_header *headers, const uint8_t *steps, size_t nsteps) {
    es_http1_parser parser;
    es_http1_parser_reset(&parser);
    outcome o;
    memset(&o, 0, sizeof o);
    o.result = ES_HTTP1_INCOMPLETE;
    size_t k = 0, i = 0;
    /* the buffer may move between calls: copy each prefix into a fresh allocation */
    while (o.result == ES_HTTP1_INCOMPLETE && k < len) {
        size_t step = nsteps ? (size_t)(steps[i++ % nsteps] % 7) + 1 : 1;
        k = k + step > len ? len : k + step;
        char *copy = malloc(k);
        memcpy(copy, buf, k);
        o.result = es_http1_parse_head(&parser, copy, k, limits, &o.req, headers, limits->max_header_count);
        free(copy); /* pointers in o.req are dead now: compare offsets, not pointers */
        if (o.result == ES_HTTP1_OK) o.head_len = o.req.head_len;
        if (o.result == ES_HTTP1_ERROR) { o.status = parser.error.status; o.code = parser.error.code; }
    }
    return o;
}

/* Decodes raw chunked bytes in pieces the way es_conn.c does; returns the verdict and
   appends decoded data to out. */
static int decode_pieces(const uint8_t *raw, size_t len, size_t split, const es_http1_limits *limits,
                         char *out, size_t *out_len, size_t *consumed_total, uint16_t *status) {
    es_http1_chunked_decoder d;
    es_http1_chunked_decoder_reset(&d);
    size_t at = 0;
    *out_len = 0;
    *consumed_total = 0;
    int r = ES_HTTP1_INCOMPLETE;
    while (at < len || (at == 0 && len == 0)) {
        size_t piece = at == 0 ? (split < len ? split : len) : len - at;
        if (piece == 0 && at == 0) piece = len;
        char *tmp = malloc(piece ? piece : 1);
        memcpy(tmp, raw + at, piece);
        size_t decoded = 0, consumed = 0;
        r = es_http1_chunked_decode(&d, tmp, piece, limits, &decoded, &consumed);
        CHECK(consumed <= piece);
        CHECK(decoded <= consumed);
        if (r == ES_HTTP1_INCOMPLETE) CHECK(consumed == piece);
        memcpy(out + *out_len, tmp, decoded);
        *out_len += decoded;
        *consumed_total += consumed;
        free(tmp);
        CHECK(d.body_bytes <= limits->max_body);
        at += piece;
        if (r != ES_HTTP1_INCOMPLETE || piece == 0) break;
    }
    *status = r == ES_HTTP1_ERROR ? d.error.status : 0;
    return r;
}

static void check_chunked(const uint8_t *raw, size_t len, size_t split, const es_http1_limits *limits) {
    char *a = malloc(len + 1), *b = malloc(len + 1);
    size_t a_len, b_len, a_used, b_used;
    uint16_t a_status, b_status;
    int ra = decode_pieces(raw, len, len, limits, a, &a_len, &a_used, &a_status);
    int rb = decode_pieces(raw, len, split, limits, b, &b_len, &b_used, &b_status);
    CHECK(ra == rb);
    CHECK(a_status == b_status);
    if (ra == ES_HTTP1_OK) {
        CHECK(a_used == b_used);
        CHECK(a_len == b_len && memcmp(a, b, a_len) == 0);
    }
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t mode = data[0];
    size_t split = data[1];
    const uint8_t *body = data + 2;
    size_t len = size - 2;

    es_http1_limits limits = es_http1_limits_default();
    if (mode & 0x02) {
        limits.max_request_line = 64;
        limits.max_header_block = 256;
        limits.max_header_count = 4;
        limits.max_body = 32;
    }
    if (mode & 0x01) {
        check_chunked(body, len, split, &limits);
        return 0;
    }

    /* an exact-size copy, so ASan sees any read past the end */
    char *buf = malloc(len ? len : 1);
    memcpy(buf, body, len);
    es_http1_header *headers = calloc(limits.max_header_count, sizeof *headers);
    outcome whole = parse_whole(buf, len, &limits, headers);
    if (whole.result == ES_HTTP1_OK) {
        const es_http1_request *r = &whole.req;
        CHECK(r->head_len > 0 && r->head_len <= len);
        CHECK(r->header_count <= limits.max_header_count);
        CHECK(inside(r->target, r->target_len, buf, r->head_len));
        CHECK(inside(r->path, r->path_len, buf, r->head_len));
        CHECK(inside(r->query, r->query_len, buf, r->head_len));
        CHECK(inside(r->authority, r->authority_len, buf, r->head_len));
        CHECK(r->version_minor <= 1);
        CHECK(!((r->flags & ES_HTTP1_F_CHUNKED) && r->content_length >= 0));
        CHECK(r->content_length < 0 || (uint64_t)r->content_length <= limits.max_body);
        for (uint32_t i = 0; i < r->header_count; i++) {
            CHECK(r->headers[i].name_len > 0);
            CHECK(inside(r->headers[i].name, r->headers[i].name_len, buf, r->head_len));
            CHECK(inside(r->headers[i].value, r->headers[i].value_len, buf, r->head_len));
        }
    } else if (whole.result == ES_HTTP1_ERROR) {
        CHECK(whole.code != NULL);
        CHECK(whole.status >= 400 && whole.status <= 505);
    }
    /* keep what must match, as offsets, before the growing parse reuses headers */
    uint32_t target_off = whole.result == ES_HTTP1_OK ? (uint32_t)(whole.req.target - buf) : 0;
    uint32_t header_count = whole.req.header_count;
    uint8_t flags = whole.req.flags;
    int64_t content_length = whole.req.content_length;

    outcome grown = parse_growing(buf, len, &limits, headers, body, len < 8 ? len : 8);
    CHECK(whole.result == grown.result);
    if (whole.result == ES_HTTP1_OK) {
        CHECK(whole.head_len == grown.head_len);
        CHECK(header_count == grown.req.header_count);
        CHECK(flags == grown.req.flags);
        CHECK(content_length == grown.req.content_length);
        CHECK(whole.req.target_len == grown.req.target_len);
        (void)target_off;
    } else if (whole.result == ES_HTTP1_ERROR) {
        CHECK(whole.status == grown.status);
        CHECK(strcmp(whole.code, grown.code) == 0);
    }

    if (whole.result == ES_HTTP1_OK && (flags & ES_HTTP1_F_CHUNKED))
        check_chunked(body + whole.head_len, len - whole.head_len, split, &limits);
    free(headers);
    free(buf);
    return 0;
}
