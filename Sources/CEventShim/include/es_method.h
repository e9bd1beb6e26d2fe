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
   implement it. */
es_method es_method_from_name(const uint8_t *name, size_t len);

#endif
