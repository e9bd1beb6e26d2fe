/*
 * es_http1_tables.c: what the HTTP/1.1 files share: the error catalogue, the byte classes
 * and the limits.
 *
 * Error codes (stable; they reach clients in JSON error bodies):
 *   400 too_many_empty_lines                 too many empty lines before the request line
 *   400 request_line_too_long                request line over max_request_line, not in the target
 *   414 uri_too_long                         the target made the request line too long
 *   400 invalid_request_line                 not "method SP target SP version"
 *   400 invalid_method                       method is not a token
 *   501 method_not_implemented               a token, but not a method we implement
 *   400 invalid_target                       a byte the request-target may not contain
 *   400 invalid_percent_encoding             "%" not followed by two hex digits
 *   400 invalid_target_form                  not origin-form, http(s) absolute-form or OPTIONS *
 *   400 missing_http_version                 request line ends after the target (HTTP/0.9)
 *   400 invalid_http_version                 version is not "HTTP/" DIGIT "." DIGIT
 *   505 http_version_not_supported           major version other than 1
 *   400 bare_lf                              LF without CR
 *   400 bare_cr                              CR without LF
 *   400 obs_fold                             header line starting with SP or HTAB
 *   400 whitespace_before_colon              whitespace between field name and colon
 *   400 missing_colon                        header line without a colon
 *   400 empty_header_name                    header line starting with a colon
 *   400 invalid_header_name                  field name is not a token
 *   400 invalid_header_value                 control character in a field value
 *   431 header_block_too_large               header block over max_header_block
 *   431 too_many_headers                     more than max_header_count fields
 *   400 invalid_content_length               Content-Length is not 1*DIGIT fitting int64
 *   400 duplicate_content_length             Content-Length more than once
 *   413 content_too_large                    Content-Length over max_body
 *   400 invalid_transfer_encoding            Transfer-Encoding is not a valid coding list
 *   400 chunked_not_last                     chunked repeated, followed by another coding, or
 *                                            missing from the end of the list (RFC 9112 §6.3)
 *   501 unsupported_transfer_coding          another coding before a final chunked
 *   400 content_length_and_transfer_encoding both framing headers
 *   400 transfer_encoding_in_http_1_0        Transfer-Encoding in an HTTP/1.0 request
 *   400 missing_host                         HTTP/1.1 without Host
 *   400 duplicate_host                       Host more than once
 *   400 invalid_host                         Host is not uri-host [":" port]
 *   400 invalid_connection                   Connection is not a list of tokens
 *   417 expectation_failed                   an Expect member other than 100-continue
 */
#include "es_http1_internal.h"

/* ---------------------------------------------------------------------------------- */
/* Errors                                                                               */

#define DEFINE_ERROR(name, status, code, message) \
    const es_http1_error name = {status, code, message}

DEFINE_ERROR(E_TOO_MANY_EMPTY_LINES, 400, "too_many_empty_lines",
             "Too many empty lines came before the request line");
DEFINE_ERROR(E_REQUEST_LINE_TOO_LONG, 400, "request_line_too_long",
             "The request line is longer than the server accepts");
DEFINE_ERROR(E_URI_TOO_LONG, 414, "uri_too_long",
             "The request target is longer than the server accepts");
DEFINE_ERROR(E_INVALID_REQUEST_LINE, 400, "invalid_request_line",
             "The request line must be a method, a target and a version separated by single spaces");
DEFINE_ERROR(E_INVALID_METHOD, 400, "invalid_method",
             "The method contains a character that is not allowed in a token");
DEFINE_ERROR(E_METHOD_NOT_IMPLEMENTED, 501, "method_not_implemented",
             "The server does not implement this method");
DEFINE_ERROR(E_INVALID_TARGET, 400, "invalid_target",
             "The request target contains a character that is not allowed");
DEFINE_ERROR(E_INVALID_PERCENT, 400, "invalid_percent_encoding",
             "A percent sign in the request target is not followed by two hex digits");
DEFINE_ERROR(E_INVALID_TARGET_FORM, 400, "invalid_target_form",
             "The request target must be an absolute path, an http or https URI, or * for OPTIONS");
DEFINE_ERROR(E_MISSING_VERSION, 400, "missing_http_version",
             "The request line has no HTTP version");
DEFINE_ERROR(E_INVALID_VERSION, 400, "invalid_http_version",
             "The HTTP version must have the form HTTP/x.y");
DEFINE_ERROR(E_VERSION_NOT_SUPPORTED, 505, "http_version_not_supported",
             "The server supports only HTTP/1.0 and HTTP/1.1");
DEFINE_ERROR(E_BARE_LF, 400, "bare_lf",
             "A line ends with LF alone where CRLF is required");
DEFINE_ERROR(E_BARE_CR, 400, "bare_cr",
             "A CR is not followed by LF");
DEFINE_ERROR(E_OBS_FOLD, 400, "obs_fold",
             "A header line starts with whitespace, which is obsolete line folding");
DEFINE_ERROR(E_WHITESPACE_BEFORE_COLON, 400, "whitespace_before_colon",
             "A header field name is followed by whitespace before the colon");
DEFINE_ERROR(E_MISSING_COLON, 400, "missing_colon",
             "A header line has no colon");
DEFINE_ERROR(E_EMPTY_HEADER_NAME, 400, "empty_header_name",
             "A header line has an empty field name");
DEFINE_ERROR(E_INVALID_HEADER_NAME, 400, "invalid_header_name",
             "A header field name contains a character that is not allowed in a token");
DEFINE_ERROR(E_INVALID_HEADER_VALUE, 400, "invalid_header_value",
             "A header field value contains a control character");
DEFINE_ERROR(E_HEADER_BLOCK_TOO_LARGE, 431, "header_block_too_large",
             "The header section is larger than the server accepts");
DEFINE_ERROR(E_TOO_MANY_HEADERS, 431, "too_many_headers",
             "The request has more header fields than the server accepts");
DEFINE_ERROR(E_INVALID_CONTENT_LENGTH, 400, "invalid_content_length",
             "Content-Length must be a single non-negative decimal number");
DEFINE_ERROR(E_DUPLICATE_CONTENT_LENGTH, 400, "duplicate_content_length",
             "Content-Length appears more than once");
DEFINE_ERROR(E_CONTENT_TOO_LARGE, 413, "content_too_large",
             "The request body is larger than the server accepts");
DEFINE_ERROR(E_INVALID_TRANSFER_ENCODING, 400, "invalid_transfer_encoding",
             "Transfer-Encoding is not a valid list of transfer codings");
DEFINE_ERROR(E_CHUNKED_NOT_LAST, 400, "chunked_not_last",
             "The chunked transfer coding must appear once and last");
DEFINE_ERROR(E_UNSUPPORTED_TRANSFER_CODING, 501, "unsupported_transfer_coding",
             "The only transfer coding the server supports is chunked");
DEFINE_ERROR(E_CL_AND_TE, 400, "content_length_and_transfer_encoding",
             "The request has both Content-Length and Transfer-Encoding");
DEFINE_ERROR(E_TE_IN_HTTP_1_0, 400, "transfer_encoding_in_http_1_0",
             "Transfer-Encoding is not allowed in an HTTP/1.0 request");
DEFINE_ERROR(E_MISSING_HOST, 400, "missing_host",
             "An HTTP/1.1 request must have a Host header");
DEFINE_ERROR(E_DUPLICATE_HOST, 400, "duplicate_host",
             "Host appears more than once");
DEFINE_ERROR(E_INVALID_HOST, 400, "invalid_host",
             "The Host header must be a host name or IP literal with an optional port");
DEFINE_ERROR(E_INVALID_CONNECTION, 400, "invalid_connection",
             "Connection must be a comma-separated list of tokens");
DEFINE_ERROR(E_EXPECTATION_FAILED, 417, "expectation_failed",
             "The only expectation the server supports is 100-continue");

/* The character-class table (es_http1_internal.h has the classes). */
const uint8_t es_http1_char_class[256] = {CLASS64(0), CLASS64(64), CLASS64(128), CLASS64(192)};

/* ---------------------------------------------------------------------------------- */
/* Limits                                                                               */


es_http1_limits es_http1_limits_default(void)
{
    return es_request_limits_default();
}

head_limits es_http1_effective_limits(const es_http1_limits *given, uint32_t max_headers)
{
    es_http1_limits limits = given ? *given : es_http1_limits_default();
    head_limits out;
    out.max_request_line = limits.max_request_line < LIMIT_CAP ? limits.max_request_line
                                                               : LIMIT_CAP;
    out.max_header_block = limits.max_header_block < LIMIT_CAP ? limits.max_header_block
                                                               : LIMIT_CAP;
    out.max_header_count = limits.max_header_count;
    if (out.max_header_count > max_headers) out.max_header_count = max_headers;
    if (out.max_header_count > UINT16_MAX) out.max_header_count = UINT16_MAX;
    out.max_body = limits.max_body;
    return out;
}
