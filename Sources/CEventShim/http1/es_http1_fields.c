/*
 * es_http1_fields.c: the header fields that decide a request's framing and connection
 * handling (Content-Length, Transfer-Encoding, Host, Connection, Expect, Upgrade), applied
 * once the whole head has arrived, and the cross-field rules (RFC 9112 §6, RFC 9110).
 */
#include "es_http1_internal.h"

/* ---------------------------------------------------------------------------------- */
/* Header fields with meaning for framing and connection handling                       */

/* 1*DIGIT that fits in int64_t (RFC 9110 §8.6: no sign, no list). */
static const es_http1_error *apply_content_length(framing *f, const uint8_t *v, size_t len)
{
    if (f->has_content_length) return &E_DUPLICATE_CONTENT_LENGTH;
    if (len == 0) return &E_INVALID_CONTENT_LENGTH;
    int64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!IS_DIGIT(v[i])) return &E_INVALID_CONTENT_LENGTH;
        int digit = v[i] - '0';
        if (value > (INT64_MAX - digit) / 10) return &E_INVALID_CONTENT_LENGTH;
        value = value * 10 + digit;
    }
    f->has_content_length = 1;
    f->content_length = value;
    return NULL;
}

/* Skips transfer-parameters (";" ...) up to the next list comma outside a quoted
   string. Returns NULL when a quoted string is not closed. */
static const uint8_t *skip_parameters(const uint8_t *p, const uint8_t *end)
{
    int quoted = 0;
    for (; p < end; p++) {
        if (quoted) {
            if (*p == '\\') {
                if (++p == end) return NULL;
            } else if (*p == '"') {
                quoted = 0;
            }
        } else if (*p == '"') {
            quoted = 1;
        } else if (*p == ',') {
            return p;
        }
    }
    return quoted ? NULL : end;
}

/* One Transfer-Encoding field: its members continue the list of earlier fields
   (RFC 9110 §5.3). The only accepted list is exactly "chunked". Empty members are
   ignored (RFC 9110 §5.6.1.2: a recipient MUST accept "chunked," and ", chunked"); a list
   with no chunked at its end is refused in check_framing. */
static const es_http1_error *apply_transfer_encoding(framing *f, const uint8_t *v, size_t len)
{
    const uint8_t *p = v, *end = v + len;
    f->has_transfer_encoding = 1;
    for (;;) {
        p = skip_ows(p, end);
        const uint8_t *coding = p;
        p = skip_token(p, end);
        size_t coding_len = (size_t)(p - coding);
        p = skip_ows(p, end);
        if (coding_len == 0) {
            if (p == end) return NULL;
            if (*p != ',') return &E_INVALID_TRANSFER_ENCODING;
            p++;
            continue;
        }
        /* any coding after chunked, including a second chunked (RFC 9112 §6.1) */
        if (f->chunked_last) return &E_CHUNKED_NOT_LAST;
        if (p < end && *p == ';') {
            /* chunked defines no parameters: still chunked (so the list ends well), but
               not a coding we can honour */
            if (coding_len == 7 && equals_lower(coding, 7, "chunked")) f->chunked_last = 1;
            f->unsupported_coding = 1;
            p = skip_parameters(p, end);
            if (p == NULL) return &E_INVALID_TRANSFER_ENCODING;
        } else if (coding_len == 7 && equals_lower(coding, 7, "chunked")) {
            f->chunked_last = 1;
        } else {
            f->unsupported_coding = 1;
        }
        if (p == end) return NULL;
        if (*p != ',') return &E_INVALID_TRANSFER_ENCODING;
        p++;
    }
}

/* Connection = #connection-option; empty members are ignored (RFC 9110 §5.6.1). */
static const es_http1_error *apply_connection(framing *f, const uint8_t *v, size_t len)
{
    const uint8_t *p = v, *end = v + len;
    for (;;) {
        p = skip_ows(p, end);
        const uint8_t *option = p;
        p = skip_token(p, end);
        size_t option_len = (size_t)(p - option);
        p = skip_ows(p, end);
        if (p < end && *p != ',') return &E_INVALID_CONNECTION;
        if (option_len == 5 && equals_lower(option, 5, "close")) f->connection_close = 1;
        if (option_len == 10 && equals_lower(option, 10, "keep-alive"))
            f->connection_keep_alive = 1;
        if (p == end) return NULL;
        p++;
    }
}

static const es_http1_error *apply_host(framing *f, const uint8_t *v, size_t len)
{
    if (++f->host_count > 1) return &E_DUPLICATE_HOST;
    /* an empty Host is allowed: the target has no authority (RFC 9112 §3.2) */
    if (len > 0 && !es_http1_valid_host_port(v, len)) return &E_INVALID_HOST;
    f->host = v;
    f->host_len = (uint32_t)len;
    return NULL;
}

/* Expect = #expectation (RFC 9110 §10.1.1). Empty members are ignored (§5.6.1.2), so
   an empty Expect asks for nothing; any member but 100-continue (parameters included)
   is an expectation we cannot meet. A quoted comma splits a member in two, which can
   only turn one unknown member into two. */
static void apply_expect(framing *f, const uint8_t *v, size_t len)
{
    const uint8_t *p = v, *end = v + len;
    while (p < end) {
        const uint8_t *member = skip_ows(p, end);
        p = member;
        while (p < end && *p != ',') p++;
        size_t member_len = (size_t)(trim_ows_end(member, p) - member);
        if (member_len == 12 && equals_lower(member, 12, "100-continue")) {
            f->expect_continue = 1;
        } else if (member_len > 0) {
            f->expect_other = 1;
        }
        if (p < end) p++; /* the comma */
    }
}

/* Dispatches on the name's length first, so most fields cost one switch. */
static const es_http1_error *apply_field(framing *f, const uint8_t *name, size_t name_len,
                                         const uint8_t *value, size_t value_len)
{
    switch (name_len) {
    case 4:
        if (equals_lower(name, 4, "host")) return apply_host(f, value, value_len);
        break;
    case 6:
        if (equals_lower(name, 6, "expect")) apply_expect(f, value, value_len);
        break;
    case 7:
        if (equals_lower(name, 7, "upgrade")) f->upgrade = 1;
        break;
    case 10:
        if (equals_lower(name, 10, "connection")) return apply_connection(f, value, value_len);
        break;
    case 14:
        if (equals_lower(name, 14, "content-length"))
            return apply_content_length(f, value, value_len);
        break;
    case 17:
        if (equals_lower(name, 17, "transfer-encoding"))
            return apply_transfer_encoding(f, value, value_len);
        break;
    default:
        break;
    }
    return NULL;
}

/* The rules that need every field: applied in a fixed order so that the answer does
   not depend on field order more than necessary. */
const es_http1_error *es_http1_check_framing(const framing *f, const es_http1_request *req,
                                           const head_limits *limits)
{
    if (req->version_minor == 1 && f->host_count == 0) return &E_MISSING_HOST;
    if (f->has_transfer_encoding) {
        if (f->has_content_length) return &E_CL_AND_TE;
        if (req->version_minor == 0) return &E_TE_IN_HTTP_1_0;
        /* RFC 9112 §6.3: when chunked is not the final coding of a request, its length
           cannot be determined: 400 and close, even for a coding we do not know (the
           501 of §6.1 is only for a list that does end in chunked) */
        if (!f->chunked_last) return &E_CHUNKED_NOT_LAST;
        if (f->unsupported_coding) return &E_UNSUPPORTED_TRANSFER_CODING;
    }
    if (f->has_content_length && (uint64_t)f->content_length > limits->max_body)
        return &E_CONTENT_TOO_LARGE;
    if (f->expect_other) return &E_EXPECTATION_FAILED;
    return NULL;
}

/* Fills headers[0..count) for lines scanned in earlier calls, whose pointers could not
   be kept (the buffer may have moved). The scanner validated them: each has a colon
   after a token name and no CR before its CRLF, so memchr finds the boundaries. */
void es_http1_locate_fields(const uint8_t *b, size_t first_line, size_t final_cr,
                          es_http1_header *headers, uint32_t count)
{
    const uint8_t *p = b + first_line, *block_end = b + final_cr;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *colon = memchr(p, ':', (size_t)(block_end - p));
        const uint8_t *value = skip_ows(colon + 1, block_end);
        const uint8_t *cr = memchr(value, '\r', (size_t)(block_end - value));
        headers[i].name = (const char *)p;
        headers[i].name_len = (uint32_t)(colon - p);
        headers[i].value = (const char *)value;
        headers[i].value_len = (uint32_t)(trim_ows_end(value, cr) - value);
        p = cr + 2;
    }
}

const es_http1_error *es_http1_apply_fields(const es_http1_header *headers, uint32_t count,
                                          framing *f)
{
    for (uint32_t i = 0; i < count; i++) {
        const es_http1_header *h = &headers[i];
        const es_http1_error *err = apply_field(f, (const uint8_t *)h->name, h->name_len,
                                                (const uint8_t *)h->value, h->value_len);
        if (err != NULL) return err;
    }
    return NULL;
}
