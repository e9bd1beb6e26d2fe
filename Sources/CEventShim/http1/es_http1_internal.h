/*
 * Layer: http1/, on top of core/. Its request parser and chunked decoder (the es_http1_*
 * files) are a leaf that calls nothing but the method table's inline lookup; the HTTP/1.1
 * connection built on them is in the es_h1_* files (es_h1_conn.h). Nothing here may call
 * http2/.
 *
 * es_http1_internal.h: what the HTTP/1.1 request parser's files share: the character
 * classes, small text helpers, the refusals (error constants), the effective limits and
 * the record of framing fields. Private to the shim.
 *
 *   es_http1_parser.c     the incremental scanner and the cross-field checks
 *   es_http1_request_line.c  the method, version and target forms
 *   es_http1_tables.c     the error catalogue, the byte classes and the limits
 *   es_http1_authority.c  uri-host [":" port] (Host and absolute-form authorities)
 *   es_http1_fields.c     header fields that decide framing and connection handling
 */
#ifndef ES_HTTP1_INTERNAL_H
#define ES_HTTP1_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "es_http1_parser.h"

/* ---------------------------------------------------------------------------------- */
/* Character classes: one table lookup per byte in the scanner's inner loops.          */

enum {
    CH_TCHAR = 1 << 0,   /* token character (RFC 9110 §5.6.2) */
    CH_TARGET = 1 << 1,  /* target byte taken as is: unreserved, sub-delims, : @ / ? */
    CH_VALUE = 1 << 2,   /* field-value byte: VCHAR, SP, HTAB, obs-text */
    CH_VCHAR = 1 << 3,   /* visible ASCII, 0x21..0x7E */
    CH_HEX = 1 << 4,     /* HEXDIG, either case */
    CH_REG_NAME = 1 << 5 /* reg-name byte apart from pct-encoded: unreserved, sub-delims */
};

#define IS_ALPHA(c) ((unsigned)(((c) | 0x20) - 'a') < 26u)
#define IS_DIGIT(c) ((unsigned)((c) - '0') < 10u)
#define IS_HEX(c) (IS_DIGIT(c) || (unsigned)(((c) | 0x20) - 'a') < 6u)
#define IS_UNRESERVED(c) (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '-' || (c) == '.' || \
                          (c) == '_' || (c) == '~')
#define IS_SUB_DELIM(c) ((c) == '!' || (c) == '$' || (c) == '&' || (c) == '\'' || \
                         (c) == '(' || (c) == ')' || (c) == '*' || (c) == '+' ||   \
                         (c) == ',' || (c) == ';' || (c) == '=')
#define IS_TCHAR(c) (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '!' || (c) == '#' ||      \
                     (c) == '$' || (c) == '%' || (c) == '&' || (c) == '\'' ||       \
                     (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' ||        \
                     (c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define IS_TARGET(c) (IS_UNRESERVED(c) || IS_SUB_DELIM(c) || (c) == ':' || (c) == '@' || \
                      (c) == '/' || (c) == '?')
#define IS_VALUE(c) ((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f))
#define IS_VCHAR(c) ((c) > 0x20 && (c) < 0x7f)

#define CLASS(c)                                                              \
    ((IS_TCHAR(c) ? CH_TCHAR : 0) | (IS_TARGET(c) ? CH_TARGET : 0) |          \
     (IS_VALUE(c) ? CH_VALUE : 0) | (IS_VCHAR(c) ? CH_VCHAR : 0) |            \
     (IS_HEX(c) ? CH_HEX : 0) |                                               \
     ((IS_UNRESERVED(c) || IS_SUB_DELIM(c)) ? CH_REG_NAME : 0))
#define CLASS4(n) CLASS(n), CLASS((n) + 1), CLASS((n) + 2), CLASS((n) + 3)
#define CLASS16(n) CLASS4(n), CLASS4((n) + 4), CLASS4((n) + 8), CLASS4((n) + 12)
#define CLASS64(n) CLASS16(n), CLASS16((n) + 16), CLASS16((n) + 32), CLASS16((n) + 48)

extern const uint8_t es_http1_char_class[256];

static inline int has_class(uint8_t c, unsigned mask) { return (es_http1_char_class[c] & mask) != 0; }

/* The request line and header block limits are capped so every offset the scanner can
   reach stays well inside the uint32_t fields of es_http1_parser. */
#define LIMIT_CAP (1u << 30)

typedef struct head_limits {
    size_t max_request_line;
    size_t max_header_block;
    uint32_t max_header_count; /* also capped by the caller's array and header_lines */
    uint64_t max_body;
} head_limits;

/* The refusals, defined in es_http1_tables.c. */
extern const es_http1_error E_TOO_MANY_EMPTY_LINES;
extern const es_http1_error E_REQUEST_LINE_TOO_LONG;
extern const es_http1_error E_URI_TOO_LONG;
extern const es_http1_error E_INVALID_REQUEST_LINE;
extern const es_http1_error E_INVALID_METHOD;
extern const es_http1_error E_METHOD_NOT_IMPLEMENTED;
extern const es_http1_error E_INVALID_TARGET;
extern const es_http1_error E_INVALID_PERCENT;
extern const es_http1_error E_INVALID_TARGET_FORM;
extern const es_http1_error E_MISSING_VERSION;
extern const es_http1_error E_INVALID_VERSION;
extern const es_http1_error E_VERSION_NOT_SUPPORTED;
extern const es_http1_error E_BARE_LF;
extern const es_http1_error E_BARE_CR;
extern const es_http1_error E_OBS_FOLD;
extern const es_http1_error E_WHITESPACE_BEFORE_COLON;
extern const es_http1_error E_MISSING_COLON;
extern const es_http1_error E_EMPTY_HEADER_NAME;
extern const es_http1_error E_INVALID_HEADER_NAME;
extern const es_http1_error E_INVALID_HEADER_VALUE;
extern const es_http1_error E_HEADER_BLOCK_TOO_LARGE;
extern const es_http1_error E_TOO_MANY_HEADERS;
extern const es_http1_error E_INVALID_CONTENT_LENGTH;
extern const es_http1_error E_DUPLICATE_CONTENT_LENGTH;
extern const es_http1_error E_CONTENT_TOO_LARGE;
extern const es_http1_error E_INVALID_TRANSFER_ENCODING;
extern const es_http1_error E_CHUNKED_NOT_LAST;
extern const es_http1_error E_UNSUPPORTED_TRANSFER_CODING;
extern const es_http1_error E_CL_AND_TE;
extern const es_http1_error E_TE_IN_HTTP_1_0;
extern const es_http1_error E_MISSING_HOST;
extern const es_http1_error E_DUPLICATE_HOST;
extern const es_http1_error E_INVALID_HOST;
extern const es_http1_error E_INVALID_CONNECTION;
extern const es_http1_error E_EXPECTATION_FAILED;

/* ---------------------------------------------------------------------------------- */
/* Small text helpers                                                                   */

/* Case-insensitive compare of s[0..len) against a lowercase literal. Only valid for
   input without control characters (tokens, field values): OR-ing 0x20 then maps
   exactly the two cases of a letter onto the lowercase letter. */
static inline int equals_lower(const uint8_t *s, size_t len, const char *lower)
{
    for (size_t i = 0; i < len; i++) {
        if ((s[i] | 0x20) != (uint8_t)lower[i]) return 0;
    }
    return 1;
}

static inline const uint8_t *skip_ows(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    return p;
}

static inline const uint8_t *trim_ows_end(const uint8_t *start, const uint8_t *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
    return end;
}

static inline const uint8_t *skip_token(const uint8_t *p, const uint8_t *end)
{
    while (p < end && has_class(*p, CH_TCHAR)) p++;
    return p;
}

static inline int has_square_bracket(const uint8_t *s, size_t len)
{
    return memchr(s, '[', len) != NULL || memchr(s, ']', len) != NULL;
}

/* Framing fields of one request head, gathered by es_http1_apply_fields. */
typedef struct framing {
    int64_t content_length;
    const uint8_t *host;
    uint32_t host_len;
    uint8_t host_count;
    uint8_t has_content_length;
    uint8_t has_transfer_encoding;
    uint8_t chunked_last;        /* the last coding seen so far is chunked */
    uint8_t unsupported_coding;  /* a coding other than chunked was seen */
    uint8_t expect_continue;
    uint8_t expect_other;
    uint8_t connection_close;
    uint8_t connection_keep_alive;
    uint8_t upgrade;
} framing;

/* es_http1_tables.c: the caller's limits (or the defaults), capped, with the header count
   no larger than the caller's array. */
head_limits es_http1_effective_limits(const es_http1_limits *given, uint32_t max_headers);

/* es_http1_request_line.c: method, version and target of the line [start, cr) into req;
   `check_brackets` when the scanner saw '[' or ']' in the target. NULL, or the error. */
const es_http1_error *es_http1_parse_request_line(const uint8_t *b, size_t start, size_t cr,
                                                  int check_brackets, es_http1_request *req);

/* es_http1_authority.c: a non-empty host, then optionally ":" and a port. */
int es_http1_valid_host_port(const uint8_t *s, size_t len);

/* es_http1_fields.c */
const es_http1_error *es_http1_apply_fields(const es_http1_header *headers, uint32_t count, framing *f);
const es_http1_error *es_http1_check_framing(const framing *f, const es_http1_request *req,
                                             const head_limits *limits);
void es_http1_locate_fields(const uint8_t *b, size_t first_line, size_t final_cr,
                            es_http1_header *headers, uint32_t count);

#endif /* ES_HTTP1_INTERNAL_H */
