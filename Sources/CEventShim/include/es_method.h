/*
 * es_method.h: the request methods this server implements, one table for both protocols.
 * HTTP/1.1 reads the method from the request line, HTTP/2 from :method; both map the name
 * with es_method_from_name, and the h2c upgrade and the exchange with Swift name it back
 * with es_method_name.
 */
#ifndef ES_METHOD_H
#define ES_METHOD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum es_method {
    ES_METHOD_GET = 1,
    ES_METHOD_HEAD,
    ES_METHOD_POST,
    ES_METHOD_PUT,
    ES_METHOD_DELETE,
    ES_METHOD_OPTIONS,
    ES_METHOD_PATCH,
    ES_METHOD_TRACE,
} es_method;

/* The method's name ("GET"), or "UNKNOWN" for a value outside the enum. Static storage. */
const char *es_method_name(es_method method);

/* The method for a case-sensitive name (RFC 9110 §9.1), or 0 when this server does not
   implement it. Inline: HTTP/1.1 calls it for every request line. A switch on the length
   first, so a common method costs one memcmp. */
static inline es_method es_method_from_name(const uint8_t *name, size_t len)
{
#define ES_METHOD_IS(lit) (memcmp(name, lit, sizeof(lit) - 1) == 0)
    switch (len) {
    case 3:
        if (ES_METHOD_IS("GET")) return ES_METHOD_GET;
        if (ES_METHOD_IS("PUT")) return ES_METHOD_PUT;
        return (es_method)0;
    case 4:
        if (ES_METHOD_IS("POST")) return ES_METHOD_POST;
        if (ES_METHOD_IS("HEAD")) return ES_METHOD_HEAD;
        return (es_method)0;
    case 5:
        if (ES_METHOD_IS("PATCH")) return ES_METHOD_PATCH;
        if (ES_METHOD_IS("TRACE")) return ES_METHOD_TRACE;
        return (es_method)0;
    case 6:
        return ES_METHOD_IS("DELETE") ? ES_METHOD_DELETE : (es_method)0;
    case 7:
        return ES_METHOD_IS("OPTIONS") ? ES_METHOD_OPTIONS : (es_method)0;
    default:
        return (es_method)0;
    }
#undef ES_METHOD_IS
}

#endif
