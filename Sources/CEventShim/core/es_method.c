/*
 * es_method.c: the method table (es_method.h), shared by HTTP/1.1 and HTTP/2.
 */
#include <string.h>
#include "es_method.h"

static const char *const method_names[] = {
    [ES_METHOD_GET] = "GET",         [ES_METHOD_HEAD] = "HEAD",
    [ES_METHOD_POST] = "POST",       [ES_METHOD_PUT] = "PUT",
    [ES_METHOD_DELETE] = "DELETE",   [ES_METHOD_OPTIONS] = "OPTIONS",
    [ES_METHOD_PATCH] = "PATCH",     [ES_METHOD_TRACE] = "TRACE",
};

const char *es_method_name(es_method method)
{
    if (method < ES_METHOD_GET || method > ES_METHOD_TRACE) return "UNKNOWN";
    return method_names[method];
}

/* A switch on the length first: one memcmp for the common methods. */
es_method es_method_from_name(const uint8_t *name, size_t len)
{
#define IS(lit) (memcmp(name, lit, sizeof(lit) - 1) == 0)
    switch (len) {
    case 3:
        if (IS("GET")) return ES_METHOD_GET;
        if (IS("PUT")) return ES_METHOD_PUT;
        return 0;
    case 4:
        if (IS("POST")) return ES_METHOD_POST;
        if (IS("HEAD")) return ES_METHOD_HEAD;
        return 0;
    case 5:
        if (IS("PATCH")) return ES_METHOD_PATCH;
        if (IS("TRACE")) return ES_METHOD_TRACE;
        return 0;
    case 6:
        return IS("DELETE") ? ES_METHOD_DELETE : 0;
    case 7:
        return IS("OPTIONS") ? ES_METHOD_OPTIONS : 0;
    default:
        return 0;
    }
#undef IS
}
