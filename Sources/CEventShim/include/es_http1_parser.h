/*
 * es_http1_parser.h: a strict, zero-copy HTTP/1.1 request parser (RFC 9112, RFC 9110).
 *
 * The parser never allocates and never copies: every pointer it returns points into the
 * caller's buffer, which must stay unchanged while the results are used.
 *
 * Head parsing is incremental. The caller keeps one es_http1_parser per request and
 * calls es_http1_parse_head() each time more bytes have been appended to the same buffer
 * (the buffer may move in memory between calls; only its contents must be a growing
 * prefix). Each byte is scanned once; the full head is parsed once, when its final empty
 * line has arrived. Errors are reported in byte order, so a request gives the same result
 * whether it arrives whole or one byte at a time.
 *
 * Chunked bodies are decoded in place by es_http1_chunked_decode(), a byte-level state
 * machine that keeps no raw bytes of its own.
 */
#ifndef ES_HTTP1_PARSER_H
#define ES_HTTP1_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include "es_request.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Return values of es_http1_parse_head() and es_http1_chunked_decode(). */
#define ES_HTTP1_OK 0          /* complete */
#define ES_HTTP1_INCOMPLETE 1  /* every byte given was consumed; more are needed */
#define ES_HTTP1_ERROR 2       /* malformed or over a limit: see the error field */

/** Limits enforced by the parser: the server's request limits (es_request.h), of which the
    parser reads all four. es_http1_limits_default() gives the defaults. */
typedef es_request_limits es_http1_limits;

es_http1_limits es_http1_limits_default(void);

/** Why a request was refused: an HTTP status, a stable machine code, a sentence. */
typedef struct es_http1_error {
    uint16_t status;      /* 400, 413, 414, 417, 431, 501 or 505 */
    const char *code;     /* static string, snake_case, e.g. "duplicate_content_length" */
    const char *message;  /* static string, one sentence for people, no trailing period */
} es_http1_error;

/* Flags in es_http1_request.flags. */
#define ES_HTTP1_F_KEEP_ALIVE      0x01u /* connection persists after this request */
#define ES_HTTP1_F_CHUNKED         0x02u /* body is chunked (Transfer-Encoding: chunked) */
#define ES_HTTP1_F_EXPECT_CONTINUE 0x04u /* Expect: 100-continue */
#define ES_HTTP1_F_ABSOLUTE_FORM   0x08u /* target was absolute-form; authority is from it */
#define ES_HTTP1_F_ASTERISK_FORM   0x10u /* OPTIONS * */
#define ES_HTTP1_F_UPGRADE         0x20u /* an Upgrade header field is present */

/** A header field as received: the name with its case kept, the value without surrounding
    whitespace; both point into the caller's buffer. The same type as a response field. */
typedef es_field es_http1_header;

typedef struct es_http1_request {
    es_method method;
    uint8_t version_minor;     /* 0 or 1 (HTTP/1.2..1.9 are read as 1.1, RFC 9110 §6.2) */
    uint8_t flags;             /* ES_HTTP1_F_* */
    const char *target;        /* the raw request-target */
    uint32_t target_len;
    const char *path;          /* path of the target ("/" when absolute-form has none, "*") */
    uint32_t path_len;
    const char *query;         /* after '?', without it; NULL and 0 when there is no '?' */
    uint32_t query_len;
    const char *authority;     /* absolute-form authority, else the Host value; may be empty */
    uint32_t authority_len;
    int64_t content_length;    /* -1 when absent; also -1 when chunked */
    es_http1_header *headers;  /* the caller's array, filled in order of arrival */
    uint32_t header_count;
    uint32_t head_len;         /* bytes of the head, from the buffer's start through the
                                  final CRLF (leading empty lines included) */
} es_http1_request;

/** Incremental head-parsing state; zero it (or call reset) before each request. */
typedef struct es_http1_parser {
    uint32_t scanned;          /* bytes of the buffer already scanned */
    uint32_t line_start;       /* offset where the current line starts */
    uint32_t request_line_end; /* offset of the request line's CR, 0 until seen */
    uint16_t header_lines;     /* header lines seen so far */
    uint8_t state;             /* private scanning state */
    uint8_t saw_cr;            /* private */
    es_http1_error error;      /* set when a call returns ES_HTTP1_ERROR */
} es_http1_parser;

void es_http1_parser_reset(es_http1_parser *parser);

/**
 * Parses a request head from buf[0..len). `headers` has room for `max_headers` entries
 * (pass at least limits->max_header_count).
 * Returns ES_HTTP1_OK with *req filled, ES_HTTP1_INCOMPLETE, or ES_HTTP1_ERROR with
 * parser->error set. After ES_HTTP1_ERROR the connection must be closed after answering.
 */
int es_http1_parse_head(es_http1_parser *parser, const char *buf, size_t len,
                        const es_http1_limits *limits, es_http1_request *req,
                        es_http1_header *headers, uint32_t max_headers);

/** Chunked-body decoding state; zero it (or call reset) before each body. */
typedef struct es_http1_chunked_decoder {
    uint64_t chunk_remaining;  /* data bytes left in the current chunk */
    uint64_t body_bytes;       /* decoded bytes so far (checked against max_body) */
    uint32_t line_bytes;       /* bytes in the current size/extension or trailer line */
    uint32_t trailer_bytes;    /* bytes of trailer section so far */
    uint16_t trailer_count;    /* trailer fields so far */
    uint8_t state;             /* private */
    uint8_t size_digits;       /* private */
    es_http1_error error;      /* set when a call returns ES_HTTP1_ERROR */
} es_http1_chunked_decoder;

void es_http1_chunked_decoder_reset(es_http1_chunked_decoder *decoder);

/**
 * Decodes raw chunked bytes buf[0..len) in place: the chunk data found is moved to the
 * front of buf (it never moves right), and *decoded_len is set to how many data bytes
 * now sit at buf[0..*decoded_len). *consumed is set to how many raw bytes were used.
 * Returns ES_HTTP1_INCOMPLETE (then *consumed == len), ES_HTTP1_OK when the last chunk and
 * the trailer section ended (the bytes from buf[*consumed] on belong to the next request),
 * or ES_HTTP1_ERROR with decoder->error set. Trailer fields are validated and dropped.
 */
int es_http1_chunked_decode(es_http1_chunked_decoder *decoder, char *buf, size_t len,
                            const es_http1_limits *limits, size_t *decoded_len,
                            size_t *consumed);

#ifdef __cplusplus
}
#endif
#endif /* ES_HTTP1_PARSER_H */
