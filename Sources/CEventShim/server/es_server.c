/*
 * Layer: server/, the top of the shim, under Swift only. It binds the protocols to the
 * core: a loop is created with HTTP/1.1 and HTTP/2 installed, and an answer from Swift goes
 * to the protocol whose exchange it is. It may call core/, http1/ and http2/; nothing in
 * the shim calls it (scripts/check-c-layers.py).
 *
 * es_server.c: es_loop_create and es_respond, the two entry points of es_loop.h that name a
 * protocol.
 */
#include "es_h1_conn.h"
#include "es_h2.h"

es_loop *es_loop_create(const es_loop_config *config, int listen_fd,
                        const es_loop_callbacks *callbacks) {
    const es_protocol *const protocols[ES_PROTOCOLS] = {
        [ES_PROTO_HTTP1] = &es_h1_protocol,
        [ES_PROTO_HTTP2] = &es_h2_protocol,
    };
    return es_loop_new(config, listen_fd, callbacks, protocols);
}

/* An exchange is an HTTP/1.1 connection or an HTTP/2 stream; its first byte says which. */
void es_respond(es_exchange *exchange, const es_response *response) {
    if (*(const uint8_t *)exchange == ES_IO_H2_STREAM)
        es_h2_stream_respond((struct es_h2_stream *)exchange, response);
    else
        es_h1_respond((es_conn *)exchange, response);
}
