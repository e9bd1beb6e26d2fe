/*
 * es_method.c: the method names (es_method.h), shared by HTTP/1.1 and HTTP/2.
 */
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
