/*
 * lc_http1_response.c: the load client's HTTP/1.1 response parser.
 *
 * States: HEAD (waiting for a whole head), then one of BODY (Content-Length bytes left),
 * CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILER (chunked framing), UNTIL_CLOSE (no
 * framing: the body ends with the connection). Rules enforced: an "HTTP/1.x" status line
 * with a three-digit code and a space before the reason; field names are tokens, no
 * obs-fold; Content-Length is digits, repeated values agree, and it never comes with
 * Transfer-Encoding; the only transfer coding accepted is a final "chunked".
 */
#include <string.h>
#include "lc_http1_response.h"

enum {
    ST_HEAD = 0,
    ST_BODY,
    ST_CHUNK_SIZE,
    ST_CHUNK_DATA,
    ST_CHUNK_CRLF,
    ST_TRAILER,
    ST_UNTIL_CLOSE,
};

enum { MAX_CHUNK_LINE = 1024 };

void lc_h1_response_begin(lc_h1_response_parser *parser, int head_only, uint32_t max_head) {
    parser->state = ST_HEAD;
    parser->head_only = head_only ? 1 : 0;
    parser->close = 0;
    parser->error = LC_H1_OK;
    parser->status = 0;
    parser->max_head = max_head;
    parser->remaining = 0;
    parser->capture = NULL;
    parser->capture_cap = parser->capture_len = 0;
    parser->capture_overflow = 0;
}

/* Copies body bytes when the caller asked for them; what does not fit marks the overflow. */
static void capture(lc_h1_response_parser *parser, const char *data, size_t len) {
    uint32_t room = parser->capture_cap - parser->capture_len;
    if (len > room) { parser->capture_overflow = 1; len = room; }
    memcpy(parser->capture + parser->capture_len, data, len);
    parser->capture_len += (uint32_t)len;
}

int lc_h1_response_idle(const lc_h1_response_parser *parser) { return parser->state == ST_HEAD; }

static int fail(lc_h1_response_parser *parser, lc_h1_error error) {
    parser->error = (uint8_t)error;
    return LC_H1_ERROR;
}

static int is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int name_is(const char *name, size_t len, const char *want) {
    if (strlen(want) != len) return 0;
    for (size_t i = 0; i < len; i++)
        if (lower((unsigned char)name[i]) != want[i]) return 0;
    return 1;
}

/* Whether a comma-separated value holds `token` (case-insensitive) as one element. */
static int list_has(const char *value, size_t len, const char *token) {
    size_t i = 0;
    while (i < len) {
        while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) i++;
        size_t start = i;
        while (i < len && value[i] != ',') i++;
        size_t end = i;
        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t')) end--;
        if (end > start && name_is(value + start, end - start, token)) return 1;
    }
    return 0;
}

/* The last element of a comma-separated list, trimmed. */
static int list_last_is(const char *value, size_t len, const char *token) {
    size_t end = len;
    while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\t')) end--;
    size_t start = end;
    while (start > 0 && value[start - 1] != ',') start--;
    while (start < end && (value[start] == ' ' || value[start] == '\t')) start++;
    return end > start && name_is(value + start, end - start, token);
}

static const char *find_crlf(const char *data, size_t len) {
    for (size_t i = 0; i + 1 < len; i++)
        if (data[i] == '\r' && data[i + 1] == '\n') return data + i;
    return NULL;
}

static const char *find_head_end(const char *data, size_t len) {
    for (size_t i = 0; i + 3 < len; i++)
        if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
            return data + i;
    return NULL;
}

/* "HTTP/1.x SP 3DIGIT SP reason": sets status; close is set for HTTP/1.0 (its default). */
static int parse_status_line(lc_h1_response_parser *parser, const char *line, size_t len) {
    if (len < 13 || memcmp(line, "HTTP/1.", 7) != 0) return 0;
    if (line[7] != '0' && line[7] != '1') return 0;
    if (line[8] != ' ') return 0;
    for (int i = 9; i < 12; i++)
        if (line[i] < '0' || line[i] > '9') return 0;
    if (line[12] != ' ') return 0;
    for (size_t i = 13; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
    }
    parser->status = (uint16_t)((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
    if (parser->status < 100) return 0;
    parser->close = line[7] == '0'; /* HTTP/1.0: close unless keep-alive says otherwise */
    return 1;
}

typedef struct head_fields {
    int has_length, chunked, has_te, keep_alive, close;
    uint64_t length;
} head_fields;

static int parse_field(lc_h1_response_parser *parser, head_fields *fields, const char *line, size_t len) {
    size_t colon = 0;
    while (colon < len && is_tchar((unsigned char)line[colon])) colon++;
    if (colon == 0 || colon == len || line[colon] != ':') return fail(parser, LC_H1_BAD_HEADER);
    const char *value = line + colon + 1;
    size_t vlen = len - colon - 1;
    while (vlen > 0 && (*value == ' ' || *value == '\t')) { value++; vlen--; }
    while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t')) vlen--;
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(parser, LC_H1_BAD_HEADER);
    }
    if (name_is(line, colon, "content-length")) {
        if (vlen == 0 || vlen > 18) return fail(parser, LC_H1_BAD_CONTENT_LENGTH);
        uint64_t n = 0;
        for (size_t i = 0; i < vlen; i++) {
            if (value[i] < '0' || value[i] > '9') return fail(parser, LC_H1_BAD_CONTENT_LENGTH);
            n = n * 10 + (uint64_t)(value[i] - '0');
        }
        if (fields->has_length && fields->length != n) return fail(parser, LC_H1_BAD_CONTENT_LENGTH);
        fields->has_length = 1;
        fields->length = n;
    } else if (name_is(line, colon, "transfer-encoding")) {
        fields->has_te = 1;
        fields->chunked = list_last_is(value, vlen, "chunked");
    } else if (name_is(line, colon, "connection")) {
        if (list_has(value, vlen, "close")) fields->close = 1;
        if (list_has(value, vlen, "keep-alive")) fields->keep_alive = 1;
    }
    return LC_H1_MORE;
}

/* Parses a whole head [data, data + len) that ends with CRLF CRLF; picks the body state. */
static int parse_head(lc_h1_response_parser *parser, const char *data, size_t len) {
    const char *end = data + len;
    const char *eol = find_crlf(data, len);
    if (!parse_status_line(parser, data, (size_t)(eol - data))) return fail(parser, LC_H1_BAD_STATUS_LINE);
    int http10 = parser->close;
    head_fields fields = {0};
    const char *line = eol + 2;
    while (line < end - 2) {
        if (*line == ' ' || *line == '\t') return fail(parser, LC_H1_BAD_HEADER); /* obs-fold */
        eol = find_crlf(line, (size_t)(end - line));
        if (parse_field(parser, &fields, line, (size_t)(eol - line)) == LC_H1_ERROR) return LC_H1_ERROR;
        line = eol + 2;
    }
    parser->close = fields.close || (http10 && !fields.keep_alive);
    uint16_t status = parser->status;
    if (status == 101) return fail(parser, LC_H1_UNEXPECTED_UPGRADE);
    if (status < 200) return LC_H1_MORE; /* interim: the caller starts over */
    if (fields.has_te && fields.has_length) return fail(parser, LC_H1_BAD_CONTENT_LENGTH);
    if (fields.has_te && !fields.chunked) return fail(parser, LC_H1_BAD_TRANSFER_ENCODING);
    if (parser->head_only || status == 204 || status == 304) return LC_H1_DONE;
    if (fields.chunked) { parser->state = ST_CHUNK_SIZE; return LC_H1_MORE; }
    if (fields.has_length) {
        if (fields.length == 0) return LC_H1_DONE;
        parser->remaining = fields.length;
        parser->state = ST_BODY;
        return LC_H1_MORE;
    }
    parser->close = 1;
    parser->state = ST_UNTIL_CLOSE;
    return LC_H1_MORE;
}

/* "1*HEXDIG [ chunk-ext ] CRLF": sets remaining; 0 on a malformed line. */
static int parse_chunk_size(lc_h1_response_parser *parser, const char *line, size_t len) {
    uint64_t size = 0;
    size_t i = 0;
    for (; i < len; i++) {
        int c = lower((unsigned char)line[i]);
        int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (digit < 0) break;
        if (size >> 56) return 0; /* would overflow */
        size = size * 16 + (uint64_t)digit;
    }
    if (i == 0) return 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i < len && line[i] != ';') return 0;
    parser->remaining = size;
    return 1;
}

int lc_h1_response_feed(lc_h1_response_parser *parser, const char *data, size_t len, size_t *consumed) {
    size_t used = 0;
    for (;;) {
        const char *at = data + used;
        size_t left = len - used;
        switch (parser->state) {
        case ST_HEAD: {
            const char *end = find_head_end(at, left);
            if (end == NULL) {
                *consumed = used;
                if (left > parser->max_head) return fail(parser, LC_H1_HEAD_TOO_LARGE);
                return LC_H1_MORE;
            }
            size_t head_len = (size_t)(end - at) + 4;
            if (head_len > parser->max_head) return fail(parser, LC_H1_HEAD_TOO_LARGE);
            int result = parse_head(parser, at, head_len);
            used += head_len;
            if (result == LC_H1_ERROR) { *consumed = used; return result; }
            if (result == LC_H1_DONE) { *consumed = used; return LC_H1_DONE; }
            if (parser->status < 200) { parser->close = 0; continue; } /* 1xx: next head */
            break;
        }
        case ST_BODY:
        case ST_CHUNK_DATA: {
            uint64_t take = parser->remaining < left ? parser->remaining : left;
            if (parser->capture != NULL) capture(parser, at, (size_t)take);
            used += (size_t)take;
            parser->remaining -= take;
            if (parser->remaining > 0) { *consumed = used; return LC_H1_MORE; }
            if (parser->state == ST_BODY) { *consumed = used; return LC_H1_DONE; }
            parser->state = ST_CHUNK_CRLF;
            break;
        }
        case ST_CHUNK_CRLF:
            if (left < 2) { *consumed = used; return LC_H1_MORE; }
            if (at[0] != '\r' || at[1] != '\n') { *consumed = used; return fail(parser, LC_H1_BAD_CHUNK); }
            used += 2;
            parser->state = ST_CHUNK_SIZE;
            break;
        case ST_CHUNK_SIZE:
        case ST_TRAILER: {
            const char *eol = find_crlf(at, left);
            if (eol == NULL) {
                *consumed = used;
                return left > MAX_CHUNK_LINE ? fail(parser, LC_H1_BAD_CHUNK) : LC_H1_MORE;
            }
            size_t line_len = (size_t)(eol - at);
            used += line_len + 2;
            if (parser->state == ST_TRAILER) {
                if (line_len == 0) { *consumed = used; return LC_H1_DONE; }
                if (at[0] == ' ' || at[0] == '\t' || memchr(at, ':', line_len) == NULL) {
                    *consumed = used;
                    return fail(parser, LC_H1_BAD_CHUNK);
                }
                break;
            }
            if (!parse_chunk_size(parser, at, line_len)) { *consumed = used; return fail(parser, LC_H1_BAD_CHUNK); }
            parser->state = parser->remaining == 0 ? ST_TRAILER : ST_CHUNK_DATA;
            break;
        }
        case ST_UNTIL_CLOSE:
            if (parser->capture != NULL) capture(parser, at, left);
            *consumed = len;
            return LC_H1_MORE;
        default:
            *consumed = used;
            return fail(parser, LC_H1_BAD_STATUS_LINE);
        }
    }
}

int lc_h1_response_eof(lc_h1_response_parser *parser) {
    if (parser->state == ST_UNTIL_CLOSE) return LC_H1_DONE;
    return fail(parser, LC_H1_UNEXPECTED_EOF);
}

const char *lc_h1_error_name(int error) {
    switch (error) {
    case LC_H1_OK: return "ok";
    case LC_H1_BAD_STATUS_LINE: return "bad_status_line";
    case LC_H1_BAD_HEADER: return "bad_header";
    case LC_H1_BAD_CONTENT_LENGTH: return "bad_content_length";
    case LC_H1_BAD_TRANSFER_ENCODING: return "bad_transfer_encoding";
    case LC_H1_BAD_CHUNK: return "bad_chunk";
    case LC_H1_HEAD_TOO_LARGE: return "head_too_large";
    case LC_H1_UNEXPECTED_EOF: return "unexpected_eof";
    case LC_H1_UNEXPECTED_UPGRADE: return "unexpected_upgrade";
    default: return "unknown";
    }
}
