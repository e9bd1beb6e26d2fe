/*
 * es_error_body.c: the one writer of the shim's own JSON error bodies. Every answer the shim
 * gives by itself (a malformed HTTP/1.1 request, a timeout, a refused HTTP/2 stream, the
 * connection limit) has the shape Swift's HTTPError gives, so a client parses one format:
 *
 *     {"error":{"code":"header_fields_too_large","message":"The request's header fields are larger than this server accepts"}}
 *
 * An error describes one exchange, so no cache may keep it: each says Cache-Control: no-store.
 *
 * Codes and messages are static strings written in this shim, snake_case codes and plain
 * sentences with no quote, backslash or control byte, so they are copied without escaping.
 */
#include <string.h>
#include "es_core.h"

size_t es_error_body_write(char *out, size_t cap, const char *code, const char *message) {
    static const size_t frame = sizeof "{\"error\":{\"code\":\"\",\"message\":\"\"}}" - 1;
    size_t code_len = strlen(code), message_len = strlen(message);
    if (cap < frame) return 0;
    /* Too long for the buffer: the code alone still says what was wrong. */
    if (code_len + message_len > cap - frame) message_len = 0;
    if (code_len > cap - frame) code_len = 0;
    char *start = out;
    out = ES_PUT_LITERAL(out, "{\"error\":{\"code\":\"");
    out = es_put(out, code, code_len);
    out = ES_PUT_LITERAL(out, "\",\"message\":\"");
    out = es_put(out, message, message_len);
    out = ES_PUT_LITERAL(out, "\"}}");
    return (size_t)(out - start);
}

void es_error_response(es_response *response, es_error_body *body, uint16_t status, const char *code,
                       const char *message) {
    static const char json[] = "application/json";
    static const es_field no_store = {.name = "Cache-Control", .value = "no-store", .name_len = 13, .value_len = 8};
    *response = (es_response){
        .status = status,
        .content_type = json,
        .content_type_len = sizeof json - 1,
        .fields = &no_store,
        .field_count = 1,
        .body = body->bytes,
        .body_len = es_error_body_write(body->bytes, sizeof body->bytes, code, message),
    };
}
