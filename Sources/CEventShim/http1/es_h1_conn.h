/*
 * Layer: http1/, on top of core/. It owns the request parser and chunked decoder (a leaf
 * that calls nothing, es_http1_internal.h), the HTTP/1.1 connection state machine
 * (es_h1_conn.c), response heads (es_h1_response.c) and the recognition of an h2c
 * upgrade request (es_h1_upgrade.c). It may call core/, never http2/: a connection
 * that turns to HTTP/2 (the client preface, Upgrade: h2c) is handed over through the core
 * (es_conn_start, es_conn_upgrade).
 *
 * es_h1_conn.h: what the HTTP/1.1 connection files share. Private to the shim.
 */
#ifndef ES_H1_CONN_H
#define ES_H1_CONN_H

#include "es_core.h"
#include "es_http1_parser.h"

/* Where an HTTP/1.1 connection is in its request cycle (es_conn.phase); also picks its
   timer. */
enum es_http1_phase {
    ES_H1_IDLE = 0,       /* keep-alive, waiting for a request's first byte */
    ES_H1_HEAD,           /* reading a request head */
    ES_H1_BODY,           /* reading a request body */
    ES_H1_DISPATCHED,     /* Swift holds the request; nothing more is parsed */
};

/* HTTP/1.1's bits of es_conn.proto_flags. */
enum {
    ES_H1_IN_DISPATCH = 0x01,  /* inside on_request: respond must not re-enter */
    ES_H1_SERVED_ANY = 0x02,   /* a request was answered: no HTTP/2 preface expected now */
    ES_H1_CLOSE_AFTER = 0x04,  /* an answer could not be queued: close after this request */
};

/* What HTTP/1.1 keeps in a read buffer (es_rbuf_state): the state of the request whose
   bytes are in it. A connection without a buffer (idle keep-alive) keeps nothing. */
typedef struct es_h1_read_state {
    es_http1_parser parser;
    es_http1_chunked_decoder chunked;
    es_http1_request req;
    uint32_t body_start;            /* first body byte (the buffer's start + head_len) */
    uint32_t body_len;              /* body bytes at body_start (decoded, for chunked) */
    uint32_t next_start;            /* where the next request starts once this one ends */
    es_http1_header headers[];      /* config.limits.max_header_count of them */
} es_h1_read_state;

static inline es_h1_read_state *es_h1_state(es_rbuf *rbuf) { return es_rbuf_state(rbuf); }

/* es_h1_conn.c: the protocol table the core drives an HTTP/1.1 connection through */
extern const es_protocol es_h1_protocol;
/* Answers the request Swift was given (es_respond). */
void es_h1_respond(es_conn *conn, const es_response *response);

/* es_h1_response.c */
void es_h1_serialize(es_conn *conn, const es_response *response, int keep_alive,
                        int head_only, int http10);
void es_h1_write_error(es_conn *conn, uint16_t status, const char *code, const char *message);
void es_h1_write_continue(es_conn *conn);

/* es_h1_upgrade.c: the HTTP2-Settings field of an h2c upgrade request, or NULL */
const es_http1_header *es_h1_upgrade_settings(const es_conn *conn, const es_http1_request *req);

#endif /* ES_H1_CONN_H */
