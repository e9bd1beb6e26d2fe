/*
 * es_h2.h: what http2/ offers the layer above it (server/): the protocol table the core
 * drives an HTTP/2 connection through, and the answer to one of its streams. The rest of
 * the layer is private (es_h2_internal.h).
 */
#ifndef ES_H2_H
#define ES_H2_H

#include "es_core.h"

struct es_h2_stream;

/* es_h2.c: start (ALPN h2, the client preface), the h2c upgrade, drive, timeouts, shutdown */
extern const es_protocol es_h2_protocol;

/* es_h2_response.c: answers the request a stream handed to Swift (es_respond). */
void es_h2_stream_respond(struct es_h2_stream *stream, const es_response *response);

#endif /* ES_H2_H */
