/*
 * es_http1_request_line.c: the request line, checked as a whole once its CRLF has arrived
 * (RFC 9112 §3): the method we implement, the version, and the target's form (origin,
 * absolute or asterisk), split into path, query and authority. The scanner
 * (es_http1_parser.c) has already checked each byte of the method and target.
 */
#include <string.h>
#include "es_http1_internal.h"

/* ---------------------------------------------------------------------------------- */
/* Request line (checked once its CRLF has arrived; the scanner already checked each  */
/* byte of the method and target)                                                       */

static const char slash_path[] = "/";

/* The version is the 8 bytes before the CR, preceded by the second SP. The scanner
   guarantees the version has no SP in it, so a SP 9 bytes before the CR followed by
   "HTTP/d.d" means the version is exactly those 8 bytes. */
static const es_http1_error *check_version(const uint8_t *b, size_t start, size_t cr,
                                           uint8_t *minor)
{
    /* the shortest possible request line is "M / HTTP/1.1" */
    if (cr - start < 12 || b[cr - 9] != ' ') return &E_INVALID_VERSION;
    const uint8_t *v = b + cr - 8;
    if (memcmp(v, "HTTP/", 5) != 0 || !IS_DIGIT(v[5]) || v[6] != '.' || !IS_DIGIT(v[7]))
        return &E_INVALID_VERSION;
    if (v[5] != '1') return &E_VERSION_NOT_SUPPORTED;
    /* RFC 9110 §6.2: a higher minor version is answered as the highest we support */
    *minor = v[7] == '0' ? 0 : 1;
    return NULL;
}

static void split_path_query(const uint8_t *s, size_t len, es_http1_request *req)
{
    const uint8_t *question = memchr(s, '?', len);
    req->path = (const char *)s;
    if (question == NULL) {
        req->path_len = (uint32_t)len;
        req->query = NULL;
        req->query_len = 0;
    } else {
        req->path_len = (uint32_t)(question - s);
        req->query = (const char *)question + 1;
        req->query_len = (uint32_t)(len - req->path_len - 1);
    }
}

/* Length of "http://" or "https://" (any case) at the start of s, or 0. */
static size_t scheme_length(const uint8_t *s, size_t len)
{
    if (len >= 7 && equals_lower(s, 7, "http://")) return 7;
    if (len >= 8 && equals_lower(s, 8, "https://")) return 8;
    return 0;
}

static const es_http1_error *parse_absolute_form(const uint8_t *t, size_t len,
                                                 int check_brackets, es_http1_request *req)
{
    size_t scheme = scheme_length(t, len);
    if (scheme == 0) return &E_INVALID_TARGET_FORM;
    const uint8_t *authority = t + scheme, *end = t + len;
    const uint8_t *rest = authority;
    while (rest < end && *rest != '/' && *rest != '?') rest++;
    /* userinfo ("@") is not a reg-name byte, so it is refused here (RFC 9110 §4.2.4) */
    if (!es_http1_valid_host_port(authority, (size_t)(rest - authority))) return &E_INVALID_TARGET_FORM;
    if (check_brackets && has_square_bracket(rest, (size_t)(end - rest))) return &E_INVALID_TARGET;
    req->authority = (const char *)authority;
    req->authority_len = (uint32_t)(rest - authority);
    req->flags |= ES_HTTP1_F_ABSOLUTE_FORM;
    if (rest < end && *rest == '/') {
        split_path_query(rest, (size_t)(end - rest), req);
    } else {
        req->path = slash_path;
        req->path_len = 1;
        req->query = rest < end ? (const char *)rest + 1 : NULL;
        req->query_len = rest < end ? (uint32_t)(end - rest - 1) : 0;
    }
    return NULL;
}

/* `check_brackets`: the scanner saw '[' or ']', which only an absolute-form authority
   (an IP literal) may contain. */
static const es_http1_error *parse_target(const uint8_t *t, size_t len, int method,
                                          int check_brackets, es_http1_request *req)
{
    req->target = (const char *)t;
    req->target_len = (uint32_t)len;
    req->authority = NULL;
    req->authority_len = 0;
    if (t[0] == '/') {
        if (check_brackets && has_square_bracket(t, len)) return &E_INVALID_TARGET;
        split_path_query(t, len, req);
        return NULL;
    }
    if (t[0] == '*') {
        if (len != 1 || method != ES_METHOD_OPTIONS) return &E_INVALID_TARGET_FORM;
        req->path = (const char *)t;
        req->path_len = 1;
        req->query = NULL;
        req->query_len = 0;
        req->flags |= ES_HTTP1_F_ASTERISK_FORM;
        return NULL;
    }
    return parse_absolute_form(t, len, check_brackets, req);
}

/* Fills method, version and target fields of req from the line [start, cr). */
const es_http1_error *es_http1_parse_request_line(const uint8_t *b, size_t start, size_t cr,
                                                int check_brackets, es_http1_request *req)
{
    req->flags = 0;
    const es_http1_error *err = check_version(b, start, cr, &req->version_minor);
    if (err != NULL) return err;
    const uint8_t *line = b + start;
    const uint8_t *method_end = memchr(line, ' ', cr - start);
    int method = es_method_from_name(line, (size_t)(method_end - line));
    if (method == 0) return &E_METHOD_NOT_IMPLEMENTED;
    req->method = (es_method)method;
    const uint8_t *target = method_end + 1;
    const uint8_t *target_end = b + cr - 9; /* the SP before the version */
    return parse_target(target, (size_t)(target_end - target), method, check_brackets, req);
}
