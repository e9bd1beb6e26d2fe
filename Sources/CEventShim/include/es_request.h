/*
 * es_request.h: a request as Swift receives it, whichever protocol carried it.
 *
 * HTTP/1.1 (http1/es_h1_conn.c) fills it from the parsed head; HTTP/2 (http2/es_h2_stream.c)
 * from a stream's pseudo-header and regular fields. Every pointer points into memory the
 * protocol owns (the read buffer, the stream's arena) and is valid during on_request only.
 * Nothing protocol-specific crosses: no HTTP/1.1 flags, no HTTP/2 pseudo-header fields.
 */
#ifndef ES_REQUEST_H
#define ES_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "es_method.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protocols, in es_request.proto and on_connection. */
#define ES_PROTO_HTTP1 1
#define ES_PROTO_HTTP2 2

/** One header field: a request's as received, or a response's as Swift gives it. */
typedef struct es_field {
    const char *name;     /* a valid token; HTTP/2 names are lowercase, HTTP/1.1 ones as sent */
    const char *value;    /* without leading and trailing whitespace; may be empty */
    uint32_t name_len;
    uint32_t value_len;
} es_field;

/** A complete request: head and whole body. */
typedef struct es_request {
    es_method method;
    uint8_t proto;             /* ES_PROTO_* */
    uint8_t tls;               /* 1 when the connection is TLS */
    uint32_t stream_id;        /* HTTP/2 stream id; 0 for HTTP/1.1 */
    uint64_t conn_id;          /* unique per loop */
    uint64_t received_ns;      /* es_clock_continuous_ns() when the loop woke to read the
                                  request's last bytes: one clock read per wake, not per request */
    const char *target;        /* the request-target (HTTP/2: :path) */
    const char *path;          /* the target's path ("/" for an absolute-form target without one, "*") */
    const char *query;         /* after '?', without it; NULL when there is no '?' */
    const char *authority;     /* absolute-form authority, :authority or Host; may be empty */
    uint32_t target_len, path_len, query_len, authority_len;
    const es_field *fields;    /* regular fields, in order of arrival */
    uint32_t field_count;
    const char *body;          /* NULL when body_len is 0 */
    size_t body_len;
} es_request;

/** Sets target, path and query from an origin-form target ("/a/b?x=1"): the path ends at the
    first '?', the query is what follows it. */
static inline void es_request_set_target(es_request *request, const char *target, uint32_t len)
{
    const char *question = (const char *)memchr(target, '?', len);
    request->target = request->path = target;
    request->target_len = len;
    request->path_len = question != NULL ? (uint32_t)(question - target) : len;
    request->query = question != NULL ? question + 1 : NULL;
    request->query_len = question != NULL ? len - request->path_len - 1 : 0;
}

/** Limits on what a request may hold, for both protocols. */
typedef struct es_request_limits {
    uint32_t max_request_line;  /* HTTP/1.1: bytes of the request line, without CRLF; default 8192 */
    uint32_t max_header_block;  /* HTTP/1.1: bytes of the header lines after the request line,
                                   their CRLFs and the final CRLF included; default 16384 */
    uint32_t max_header_count;  /* header fields, either protocol; default 100 */
    uint64_t max_body;          /* body bytes (Content-Length, decoded chunked data, or HTTP/2
                                   DATA); default 1 MiB */
} es_request_limits;

/** The defaults above. */
static inline es_request_limits es_request_limits_default(void)
{
    es_request_limits limits = {8192, 16384, 100, 1024 * 1024};
    return limits;
}

#ifdef __cplusplus
}
#endif
#endif /* ES_REQUEST_H */
