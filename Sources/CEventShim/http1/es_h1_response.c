/*
 * es_h1_response.c: HTTP/1.1 response heads, and the shim's own error answers in them.
 *
 * A response is copied into the connection's write buffer as status line, headers and
 * body in one piece, so it leaves in one write together with any other responses that
 * pipelined requests produced in the same pass.
 */
#include <string.h>
#include "es_h1_conn.h"

const char *es_http_reason_phrase(uint16_t status) {
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static char *put_decimal(char *out, uint64_t value) {
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) *out++ = digits[--n];
    return out;
}

/* Room for everything the head holds besides the caller's content type and headers. */
enum { ES_HEAD_FIXED_MAX = 256 };

void es_h1_serialize(es_conn *conn, const es_response *response, int keep_alive,
                        int head_only, int http10) {
    es_loop *loop = conn->loop;
    uint16_t status = response->status;
    int bodiless = status < 200 || status == 204 || status == 304;
    size_t body_len = bodiless || head_only ? 0 : response->body_len;
    size_t fields_len = 0;
    for (uint32_t i = 0; i < response->field_count; i++)
        fields_len += (size_t)response->fields[i].name_len + response->fields[i].value_len + 4;
    size_t needed = ES_HEAD_FIXED_MAX + response->content_type_len + fields_len +
                    loop->server_name_len + body_len;
    if (needed > UINT32_MAX) { conn->proto_flags |= ES_H1_CLOSE_AFTER; return; }
    es_wbuf *wbuf = es_wbuf_reserve(loop, conn->wbuf, (uint32_t)needed);
    if (wbuf == NULL) { conn->proto_flags |= ES_H1_CLOSE_AFTER; return; }
    conn->wbuf = wbuf;

    char *out = wbuf->data + wbuf->len;
    out = ES_PUT_LITERAL(out, "HTTP/1.1 ");
    out = put_decimal(out, status);
    *out++ = ' ';
    const char *reason = es_http_reason_phrase(status);
    out = es_put(out, reason, strlen(reason));
    out = ES_PUT_LITERAL(out, "\r\nServer: ");
    out = es_put(out, loop->config.server_name, loop->server_name_len);
    out = ES_PUT_LITERAL(out, "\r\nDate: ");
    out = es_put(out, loop->date, 29);
    out = ES_PUT_LITERAL(out, "\r\n");
    if (response->content_type != NULL) {
        out = ES_PUT_LITERAL(out, "Content-Type: ");
        out = es_put(out, response->content_type, response->content_type_len);
        out = ES_PUT_LITERAL(out, "\r\n");
    }
    if (!bodiless) {
        out = ES_PUT_LITERAL(out, "Content-Length: ");
        out = put_decimal(out, response->body_len);
        out = ES_PUT_LITERAL(out, "\r\n");
    }
    if (!keep_alive) out = ES_PUT_LITERAL(out, "Connection: close\r\n");
    else if (http10) out = ES_PUT_LITERAL(out, "Connection: keep-alive\r\n");
    for (uint32_t i = 0; i < response->field_count; i++) {
        const es_field *field = &response->fields[i];
        out = es_put(out, field->name, field->name_len);
        out = ES_PUT_LITERAL(out, ": ");
        out = es_put(out, field->value, field->value_len);
        out = ES_PUT_LITERAL(out, "\r\n");
    }
    out = ES_PUT_LITERAL(out, "\r\n");
    if (body_len > 0) out = es_put(out, response->body, body_len);
    wbuf->len = (uint32_t)(out - wbuf->data);
}

/* The shim's own refusals (parse errors, timeouts), in the body every error has. */
void es_h1_write_error(es_conn *conn, uint16_t status, const char *code,
                             const char *message) {
    es_error_body body;
    es_response response;
    es_error_response(&response, &body, status, code, message);
    es_h1_serialize(conn, &response, 0, 0, 0);
}

void es_h1_write_continue(es_conn *conn) {
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    es_wbuf *wbuf = es_wbuf_reserve(conn->loop, conn->wbuf, sizeof line - 1);
    if (wbuf == NULL) { conn->proto_flags |= ES_H1_CLOSE_AFTER; return; }
    conn->wbuf = wbuf;
    memcpy(wbuf->data + wbuf->len, line, sizeof line - 1);
    wbuf->len += sizeof line - 1;
}
