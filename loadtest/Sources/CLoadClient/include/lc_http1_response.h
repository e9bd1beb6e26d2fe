/*
 * lc_http1_response.h: an incremental, strict HTTP/1.1 response parser (RFC 9112) for the
 * load client. It reads what a load client needs and checks the framing, nothing more:
 * the status line, Content-Length, Transfer-Encoding: chunked, Connection: close. Bodies
 * are counted and skipped, and copied only when the caller sets `capture`. 1xx interim responses are skipped.
 *
 * The head (and each chunk-size line) must be contiguous in the caller's buffer: when a
 * call returns LC_H1_MORE with *consumed short of len, the caller keeps the rest and
 * calls again with more bytes appended.
 */
#ifndef LC_HTTP1_RESPONSE_H
#define LC_HTTP1_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Results of lc_h1_response_feed(). */
enum {
    LC_H1_ERROR = -1, /* malformed; the connection cannot be used again */
    LC_H1_MORE = 0,   /* the response is not complete yet */
    LC_H1_DONE = 1,   /* one response is complete: status, close are set */
};

/** Framing problems, in lc_h1_response_parser.error after LC_H1_ERROR. */
typedef enum lc_h1_error {
    LC_H1_OK = 0,
    LC_H1_BAD_STATUS_LINE,
    LC_H1_BAD_HEADER,
    LC_H1_BAD_CONTENT_LENGTH,
    LC_H1_BAD_TRANSFER_ENCODING,
    LC_H1_BAD_CHUNK,
    LC_H1_HEAD_TOO_LARGE,
    LC_H1_UNEXPECTED_EOF,
    LC_H1_UNEXPECTED_UPGRADE,
} lc_h1_error;

typedef struct lc_h1_response_parser {
    uint8_t state;      /* private */
    uint8_t head_only;  /* the request was HEAD: no body whatever the headers say */
    uint8_t close;      /* the server will close after this response */
    uint8_t error;      /* lc_h1_error */
    uint16_t status;
    uint32_t max_head;  /* longest head accepted */
    uint64_t remaining; /* private: body or chunk bytes left */
    char *capture;      /* NULL, or where to copy the body (chunked framing removed); set after begin */
    uint32_t capture_cap;
    uint32_t capture_len;     /* body bytes copied */
    uint8_t capture_overflow; /* the body was longer than capture_cap (capture_len stops there) */
} lc_h1_response_parser;

/** Prepares for the next response; `head_only` for a HEAD request. */
void lc_h1_response_begin(lc_h1_response_parser *parser, int head_only, uint32_t max_head);

/**
 * Parses from data[0..len). Sets *consumed to the bytes used (the rest belongs to a later
 * call, or to the next response after LC_H1_DONE).
 */
int lc_h1_response_feed(lc_h1_response_parser *parser, const char *data, size_t len,
                        size_t *consumed);

/** The peer closed: LC_H1_DONE if the body was delimited by the close, else LC_H1_ERROR. */
int lc_h1_response_eof(lc_h1_response_parser *parser);

/** Whether the parser is between responses (no byte of one seen yet). */
int lc_h1_response_idle(const lc_h1_response_parser *parser);

/** A short name for an lc_h1_error ("bad_chunk"). */
const char *lc_h1_error_name(int error);

#ifdef __cplusplus
}
#endif
#endif /* LC_HTTP1_RESPONSE_H */
