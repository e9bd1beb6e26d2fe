/*
 * es_http1_chunked.c: in-place decoding of chunked request bodies (RFC 9112 §7.1).
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
 *
 * A byte-level state machine: every partial token (size digits, an extension, a
 * trailer line) lives in the decoder's state, never in saved raw bytes, so each call
 * consumes all the bytes it is given until the body ends. Chunk data is moved left to
 * the front of the buffer; it never moves right, so memmove in place is safe.
 *
 * Error codes (stable):
 *   400 invalid_chunk_size              no hex digit, a bad byte, or more than 16 digits
 *   400 invalid_chunk_extension         chunk-ext does not match the grammar above
 *   400 chunk_line_too_long             a chunk-size line over 4096 bytes
 *   400 invalid_chunk_data_terminator   chunk data not followed by CRLF
 *   400 bare_lf / bare_cr               LF without CR, CR without LF
 *   413 content_too_large               decoded body over max_body
 *   400 obs_fold, whitespace_before_colon, missing_colon, empty_header_name,
 *       invalid_header_name, invalid_header_value   a malformed trailer field
 *   431 trailer_section_too_large       trailer section over max_header_block
 *   431 too_many_trailer_fields         more than max_header_count trailer fields
 */
#include "es_http1_parser.h"

#include <string.h>

#define DEFINE_ERROR(name, status, code, message) \
    static const es_http1_error name = {status, code, message}

DEFINE_ERROR(E_INVALID_CHUNK_SIZE, 400, "invalid_chunk_size",
             "A chunk size must be 1 to 16 hex digits");
DEFINE_ERROR(E_INVALID_CHUNK_EXTENSION, 400, "invalid_chunk_extension",
             "A chunk extension is malformed");
DEFINE_ERROR(E_CHUNK_LINE_TOO_LONG, 400, "chunk_line_too_long",
             "A chunk size line is longer than the server accepts");
DEFINE_ERROR(E_INVALID_CHUNK_DATA_TERMINATOR, 400, "invalid_chunk_data_terminator",
             "Chunk data is not followed by CRLF");
DEFINE_ERROR(E_BARE_LF, 400, "bare_lf",
             "A line ends with LF alone where CRLF is required");
DEFINE_ERROR(E_BARE_CR, 400, "bare_cr",
             "A CR is not followed by LF");
DEFINE_ERROR(E_CONTENT_TOO_LARGE, 413, "content_too_large",
             "The request body is larger than the server accepts");
DEFINE_ERROR(E_OBS_FOLD, 400, "obs_fold",
             "A trailer line starts with whitespace, which is obsolete line folding");
DEFINE_ERROR(E_WHITESPACE_BEFORE_COLON, 400, "whitespace_before_colon",
             "A trailer field name is followed by whitespace before the colon");
DEFINE_ERROR(E_MISSING_COLON, 400, "missing_colon",
             "A trailer line has no colon");
DEFINE_ERROR(E_EMPTY_HEADER_NAME, 400, "empty_header_name",
             "A trailer line has an empty field name");
DEFINE_ERROR(E_INVALID_HEADER_NAME, 400, "invalid_header_name",
             "A trailer field name contains a character that is not allowed in a token");
DEFINE_ERROR(E_INVALID_HEADER_VALUE, 400, "invalid_header_value",
             "A trailer field value contains a control character");
DEFINE_ERROR(E_TRAILER_SECTION_TOO_LARGE, 431, "trailer_section_too_large",
             "The trailer section is larger than the server accepts");
DEFINE_ERROR(E_TOO_MANY_TRAILER_FIELDS, 431, "too_many_trailer_fields",
             "The body has more trailer fields than the server accepts");

/* Longest chunk-size line (size and extensions, without CRLF) we accept. */
#define CHUNK_LINE_MAX 4096u
/* 16 hex digits fill a uint64_t; a 17th could overflow it. */
#define CHUNK_SIZE_DIGITS_MAX 16u

enum chunk_state {
    C_SIZE_FIRST = 0,   /* the first hex digit of a chunk-size */
    C_SIZE,             /* further hex digits */
    C_EXT_BEFORE_SEMI,  /* BWS after the size or a value: only BWS or ";" may follow */
    C_EXT_BEFORE_NAME,  /* after ";": BWS, then ext-name */
    C_EXT_NAME,
    C_EXT_AFTER_NAME,   /* BWS after ext-name: only BWS, "=" or ";" may follow */
    C_EXT_BEFORE_VALUE, /* after "=": BWS, then a token or a quoted-string */
    C_EXT_TOKEN_VALUE,
    C_EXT_QUOTED,
    C_EXT_QUOTED_PAIR,  /* after a backslash inside the quoted-string */
    C_EXT_AFTER_QUOTE,
    C_SIZE_LF,          /* CR of the size line seen */
    C_DATA,
    C_DATA_CR,          /* chunk data done: CRLF must follow */
    C_DATA_LF,
    C_TRAILER_START,    /* start of a trailer line, or of the final empty line */
    C_TRAILER_NAME,
    C_TRAILER_VALUE,
    C_TRAILER_LF,
    C_FINAL_LF,
    C_DONE,
    C_FAILED,
};

static inline int is_tchar(uint8_t c)
{
    /* token = 1*tchar (RFC 9110 §5.6.2); the bit set holds the 15 symbols */
    static const char symbols[] = "!#$%&'*+-.^_`|~";
    if ((unsigned)((c | 0x20) - 'a') < 26u || (unsigned)(c - '0') < 10u) return 1;
    return c != 0 && memchr(symbols, c, sizeof symbols - 1) != NULL;
}

static inline int hex_value(uint8_t c)
{
    if ((unsigned)(c - '0') < 10u) return c - '0';
    if ((unsigned)((c | 0x20) - 'a') < 6u) return (c | 0x20) - 'a' + 10;
    return -1;
}

static inline int is_ws(uint8_t c) { return c == ' ' || c == '\t'; }

/* field-value byte: VCHAR, SP, HTAB, obs-text */
static inline int is_value_byte(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text */
static inline int is_qdtext(uint8_t c)
{
    return is_value_byte(c) && c != '"' && c != '\\';
}

static int fail(es_http1_chunked_decoder *d, const es_http1_error *err)
{
    d->error = *err;
    d->state = C_FAILED;
    return ES_HTTP1_ERROR;
}

/* The size digits ended: enforce max_body now, before any data of this chunk. */
static const es_http1_error *finish_size(es_http1_chunked_decoder *d, uint64_t max_body)
{
    if (d->body_bytes > max_body || d->chunk_remaining > max_body - d->body_bytes)
        return &E_CONTENT_TOO_LARGE;
    return NULL;
}

/* After a size, an ext-name or a token ext-val: what may end the element. Returns the
   next state, or C_FAILED when `c` is not one of BWS, ";" or CR. */
static uint8_t after_ext_element(uint8_t c)
{
    if (is_ws(c)) return C_EXT_BEFORE_SEMI;
    if (c == ';') return C_EXT_BEFORE_NAME;
    if (c == '\r') return C_SIZE_LF;
    return C_FAILED;
}

/*
 * One byte of the chunk-size line (states C_SIZE_FIRST .. C_SIZE_LF). Returns NULL and
 * updates the state, or the error.
 */
static const es_http1_error *size_line_byte(es_http1_chunked_decoder *d, uint8_t c,
                                            uint64_t max_body)
{
    if (d->state != C_SIZE_LF && c != '\r') {
        if (d->line_bytes >= CHUNK_LINE_MAX) return &E_CHUNK_LINE_TOO_LONG;
        d->line_bytes++;
    }
    if (c == '\n' && d->state != C_SIZE_LF) return &E_BARE_LF;
    int hex;
    switch (d->state) {
    case C_SIZE_FIRST:
        hex = hex_value(c);
        if (hex < 0) return &E_INVALID_CHUNK_SIZE;
        d->chunk_remaining = (uint64_t)hex;
        d->size_digits = 1;
        d->state = C_SIZE;
        return NULL;
    case C_SIZE:
        hex = hex_value(c);
        if (hex >= 0) {
            if (d->size_digits == CHUNK_SIZE_DIGITS_MAX) return &E_INVALID_CHUNK_SIZE;
            d->chunk_remaining = (d->chunk_remaining << 4) | (uint64_t)hex;
            d->size_digits++;
            return NULL;
        }
        if (after_ext_element(c) == C_FAILED) return &E_INVALID_CHUNK_SIZE;
        d->state = after_ext_element(c);
        return finish_size(d, max_body);
    case C_EXT_BEFORE_SEMI:
        if (is_ws(c)) return NULL;
        if (c != ';') return &E_INVALID_CHUNK_EXTENSION;
        d->state = C_EXT_BEFORE_NAME;
        return NULL;
    case C_EXT_BEFORE_NAME:
        if (is_ws(c)) return NULL;
        if (!is_tchar(c)) return &E_INVALID_CHUNK_EXTENSION;
        d->state = C_EXT_NAME;
        return NULL;
    case C_EXT_NAME:
        if (is_tchar(c)) return NULL;
        if (c == '=') {
            d->state = C_EXT_BEFORE_VALUE;
        } else if (is_ws(c)) {
            d->state = C_EXT_AFTER_NAME;
        } else if (after_ext_element(c) != C_FAILED) {
            d->state = after_ext_element(c);
        } else {
            return &E_INVALID_CHUNK_EXTENSION;
        }
        return NULL;
    case C_EXT_AFTER_NAME:
        if (is_ws(c)) return NULL;
        if (c == '=') d->state = C_EXT_BEFORE_VALUE;
        else if (c == ';') d->state = C_EXT_BEFORE_NAME;
        else return &E_INVALID_CHUNK_EXTENSION;
        return NULL;
    case C_EXT_BEFORE_VALUE:
        if (is_ws(c)) return NULL;
        if (c == '"') d->state = C_EXT_QUOTED;
        else if (is_tchar(c)) d->state = C_EXT_TOKEN_VALUE;
        else return &E_INVALID_CHUNK_EXTENSION;
        return NULL;
    case C_EXT_TOKEN_VALUE:
    case C_EXT_AFTER_QUOTE:
        /* a token value goes on while tchars come; both end the same way */
        if (d->state == C_EXT_TOKEN_VALUE && is_tchar(c)) return NULL;
        if (after_ext_element(c) == C_FAILED) return &E_INVALID_CHUNK_EXTENSION;
        d->state = after_ext_element(c);
        return NULL;
    case C_EXT_QUOTED:
        if (c == '"') d->state = C_EXT_AFTER_QUOTE;
        else if (c == '\\') d->state = C_EXT_QUOTED_PAIR;
        else if (!is_qdtext(c)) return &E_INVALID_CHUNK_EXTENSION;
        return NULL;
    case C_EXT_QUOTED_PAIR:
        /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
        if (!is_value_byte(c)) return &E_INVALID_CHUNK_EXTENSION;
        d->state = C_EXT_QUOTED;
        return NULL;
    case C_SIZE_LF:
        if (c != '\n') return &E_BARE_CR;
        d->state = d->chunk_remaining == 0 ? C_TRAILER_START : C_DATA;
        return NULL;
    default:
        return &E_INVALID_CHUNK_SIZE;
    }
}

/* One byte of the trailer section (states C_TRAILER_START .. C_FINAL_LF). */
static const es_http1_error *trailer_byte(es_http1_chunked_decoder *d, uint8_t c,
                                          const es_http1_limits *limits)
{
    if (d->trailer_bytes >= limits->max_header_block) return &E_TRAILER_SECTION_TOO_LARGE;
    d->trailer_bytes++;
    switch (d->state) {
    case C_TRAILER_START:
        if (is_tchar(c)) {
            if (d->trailer_count >= limits->max_header_count || d->trailer_count == UINT16_MAX)
                return &E_TOO_MANY_TRAILER_FIELDS;
            d->trailer_count++;
            d->state = C_TRAILER_NAME;
            return NULL;
        }
        if (c == '\r') {
            d->state = C_FINAL_LF;
            return NULL;
        }
        if (c == '\n') return &E_BARE_LF;
        if (is_ws(c)) return &E_OBS_FOLD;
        return c == ':' ? &E_EMPTY_HEADER_NAME : &E_INVALID_HEADER_NAME;
    case C_TRAILER_NAME:
        if (is_tchar(c)) return NULL;
        if (c == ':') {
            d->state = C_TRAILER_VALUE;
            return NULL;
        }
        if (c == '\n') return &E_BARE_LF;
        if (is_ws(c)) return &E_WHITESPACE_BEFORE_COLON;
        return c == '\r' ? &E_MISSING_COLON : &E_INVALID_HEADER_NAME;
    case C_TRAILER_VALUE:
        if (is_value_byte(c)) return NULL;
        if (c == '\r') {
            d->state = C_TRAILER_LF;
            return NULL;
        }
        return c == '\n' ? &E_BARE_LF : &E_INVALID_HEADER_VALUE;
    case C_TRAILER_LF:
    case C_FINAL_LF:
        if (c != '\n') return &E_BARE_CR;
        d->state = d->state == C_TRAILER_LF ? C_TRAILER_START : C_DONE;
        return NULL;
    default:
        return &E_INVALID_CHUNK_SIZE;
    }
}

void es_http1_chunked_decoder_reset(es_http1_chunked_decoder *decoder)
{
    memset(decoder, 0, sizeof *decoder);
}

int es_http1_chunked_decode(es_http1_chunked_decoder *d, char *buf, size_t len,
                            const es_http1_limits *limits, size_t *decoded_len,
                            size_t *consumed)
{
    es_http1_limits defaults;
    if (limits == NULL) {
        defaults = es_http1_limits_default();
        limits = &defaults;
    }
    size_t read = 0, write = 0;
    *decoded_len = 0;
    *consumed = 0;
    if (d->state == C_FAILED) return ES_HTTP1_ERROR;
    if (d->state == C_DONE) return ES_HTTP1_OK;

    while (read < len) {
        if (d->state == C_DATA) {
            /* the hot path: move as much of this chunk's data as we have */
            size_t available = len - read;
            size_t n = d->chunk_remaining < available ? (size_t)d->chunk_remaining : available;
            if (write != read) memmove(buf + write, buf + read, n);
            write += n;
            read += n;
            d->chunk_remaining -= n;
            d->body_bytes += n;
            if (d->chunk_remaining == 0) d->state = C_DATA_CR;
            continue;
        }
        uint8_t c = (uint8_t)buf[read];
        const es_http1_error *err = NULL;
        if (d->state <= C_SIZE_LF) {
            err = size_line_byte(d, c, limits->max_body);
        } else if (d->state == C_DATA_CR || d->state == C_DATA_LF) {
            if (c != (d->state == C_DATA_CR ? '\r' : '\n')) {
                err = &E_INVALID_CHUNK_DATA_TERMINATOR;
            } else if (d->state == C_DATA_CR) {
                d->state = C_DATA_LF;
            } else {
                d->state = C_SIZE_FIRST;
                d->line_bytes = 0;
            }
        } else {
            err = trailer_byte(d, c, limits);
        }
        if (err != NULL) {
            *decoded_len = write;
            *consumed = read;
            return fail(d, err);
        }
        read++;
        if (d->state == C_DONE) {
            *decoded_len = write;
            *consumed = read;
            return ES_HTTP1_OK;
        }
    }
    *decoded_len = write;
    *consumed = read;
    return ES_HTTP1_INCOMPLETE;
}
