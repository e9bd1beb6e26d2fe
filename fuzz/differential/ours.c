/*
 * ours.c: the server's HTTP/1.1 message framing as a function for the differential test:
 * splits a byte stream into requests the way es_conn.c does (head by es_http1_parse_head,
 * then Content-Length or es_http1_chunked_decode, then the next request), and describes
 * each message. Built as a shared library by h11_diff.py and called through ctypes.
 *
 * Output (text, one line each): "MSG <method> <hex target> <hex body>" per request, then
 * one "END OK" (every byte framed), "END INCOMPLETE" or "END ERROR <status> <code>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_http1_parser.h"

static size_t put_hex(char *out, const char *bytes, size_t len) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[(unsigned char)bytes[i] >> 4];
        out[2 * i + 1] = digits[(unsigned char)bytes[i] & 15];
    }
    if (len == 0) { out[0] = '-'; return 1; }
    return 2 * len;
}

/* Returns the bytes written to out (out_cap must be at least 4 * len + 256). */
size_t ours_frame(const char *input, size_t len, char *out, size_t out_cap) {
    (void)out_cap;
    es_http1_limits limits = es_http1_limits_default();
    es_http1_header *headers = calloc(limits.max_header_count, sizeof *headers);
    char *buf = malloc(len ? len : 1);
    memcpy(buf, input, len);
    size_t at = 0, o = 0;
    for (int messages = 0; messages < 64; messages++) {
        if (at == len) { o += (size_t)sprintf(out + o, "END OK\n"); break; }
        es_http1_parser parser;
        es_http1_parser_reset(&parser);
        es_http1_request req;
        int r = es_http1_parse_head(&parser, buf + at, len - at, &limits, &req, headers, limits.max_header_count);
        if (r == ES_HTTP1_INCOMPLETE) { o += (size_t)sprintf(out + o, "END INCOMPLETE\n"); break; }
        if (r == ES_HTTP1_ERROR) {
            o += (size_t)sprintf(out + o, "END ERROR %u %s\n", parser.error.status, parser.error.code);
            break;
        }
        size_t body_at = at + req.head_len, body_len = 0, next;
        char *body = buf + body_at;
        if (req.flags & ES_HTTP1_F_CHUNKED) {
            es_http1_chunked_decoder d;
            es_http1_chunked_decoder_reset(&d);
            size_t decoded = 0, consumed = 0;
            r = es_http1_chunked_decode(&d, body, len - body_at, &limits, &decoded, &consumed);
            if (r == ES_HTTP1_ERROR) {
                o += (size_t)sprintf(out + o, "END ERROR %u %s\n", d.error.status, d.error.code);
                break;
            }
            if (r == ES_HTTP1_INCOMPLETE) { o += (size_t)sprintf(out + o, "END INCOMPLETE\n"); break; }
            body_len = decoded;
            next = body_at + consumed;
        } else {
            size_t cl = req.content_length > 0 ? (size_t)req.content_length : 0;
            if (len - body_at < cl) { o += (size_t)sprintf(out + o, "END INCOMPLETE\n"); break; }
            body_len = cl;
            next = body_at + cl;
        }
        o += (size_t)sprintf(out + o, "MSG %s ", es_method_name(req.method));
        o += put_hex(out + o, req.target, req.target_len);
        out[o++] = ' ';
        o += put_hex(out + o, body, body_len);
        out[o++] = '\n';
        at = next;
        /* a request that ends the connection ends the stream, as in es_conn.c */
        if (!(req.flags & ES_HTTP1_F_KEEP_ALIVE)) {
            o += (size_t)sprintf(out + o, at == len ? "END OK\n" : "END CLOSE\n");
            break;
        }
    }
    out[o] = 0;
    free(buf);
    free(headers);
    return o;
}
