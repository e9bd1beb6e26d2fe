/*
 * es_h1_upgrade.c: recognising an HTTP/1.1 request that asks to continue as h2c
 * (`Upgrade: h2c`, RFC 7540 §3.2). Reading the request's fields is HTTP/1.1's job; the
 * switch itself, given the parsed request, is HTTP/2's (its upgrade hook, http2/es_h2.c),
 * reached through the core (es_conn_upgrade).
 */
#include <string.h>
#include <strings.h>
#include "es_h1_conn.h"

/* Case-insensitive search for a token in a comma-separated list (Connection, Upgrade). */
static int list_has_token(const char *value, uint32_t len, const char *token) {
    size_t token_len = strlen(token);
    uint32_t i = 0;
    while (i < len) {
        while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) i++;
        uint32_t start = i;
        while (i < len && value[i] != ',') i++;
        uint32_t end = i;
        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t')) end--;
        if (end - start == token_len && strncasecmp(value + start, token, token_len) == 0) return 1;
    }
    return 0;
}

/* RFC 7540 §3.2: a cleartext request without a body that asks for h2c with exactly one
   HTTP2-Settings field, both named in Connection. Returns the settings field or NULL. */
const es_http1_header *es_h1_upgrade_settings(const es_conn *conn, const es_http1_request *req) {
    if (!(req->flags & ES_HTTP1_F_UPGRADE) || conn->tls || !conn->loop->config.h2c) return NULL;
    if ((req->flags & ES_HTTP1_F_CHUNKED) || req->content_length > 0 || req->version_minor != 1) return NULL;
    const es_http1_header *settings = NULL;
    int upgrade_h2c = 0, connection_ok = 0;
    for (uint32_t i = 0; i < req->header_count; i++) {
        const es_http1_header *h = &req->headers[i];
        if (h->name_len == 7 && strncasecmp(h->name, "upgrade", 7) == 0) {
            upgrade_h2c |= list_has_token(h->value, h->value_len, "h2c");
        } else if (h->name_len == 10 && strncasecmp(h->name, "connection", 10) == 0) {
            connection_ok |= list_has_token(h->value, h->value_len, "upgrade") &&
                             list_has_token(h->value, h->value_len, "http2-settings");
        } else if (h->name_len == 14 && strncasecmp(h->name, "http2-settings", 14) == 0) {
            if (settings != NULL) return NULL;
            settings = h;
        }
    }
    return upgrade_h2c && connection_ok ? settings : NULL;
}
