/*
 * es_http1_parser.c: request-head parsing for es_http1_parser.h (RFC 9112, RFC 9110).
 *
 * Files: this one (the scanner and the request line), es_http1_authority.c (hosts),
 * es_http1_fields.c (framing fields), es_http1_internal.h (what they share).
 *
 * Two stages:
 *   1. An incremental scanner (scan_head) walks each byte once, across calls, with a
 *      small state machine. It checks everything that is local to a byte or a line:
 *      line endings, the characters of the method, target, names and values, the
 *      percent-encodings in the target, the length limits (as soon as they are crossed)
 *      and the field count. The request line is checked as a whole as soon as its CRLF
 *      arrives (version, method, target form).
 *   2. Once the final empty line has arrived, finish_head applies the cross-field
 *      rules: duplicates, Content-Length / Transfer-Encoding framing, Host, Connection,
 *      Expect.
 *
 * The scanner records each header's name and value bounds in the caller's array as it
 * goes, but only for lines that arrive within the current call: between calls it keeps
 * offsets only, because the buffer may move (and the array is not promised to be the
 * same). Lines scanned by earlier calls are located again, once, with memchr, so the
 * header lines of a head that arrives in one read are walked exactly once. Nothing here
 * allocates.
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
 */#include "es_http1_internal.h"

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
    es_http1_limits limits = {
        .max_request_line = 8192,
        .max_header_block = 16384,
        .max_header_count = 100,
        .max_body = 1u << 20,
    };
    return limits;
}

static head_limits effective_limits(const es_http1_limits *given, uint32_t max_headers)
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

/* ---------------------------------------------------------------------------------- */
/* Methods                                                                              */

static const char *const method_names[] = {
    [ES_HTTP1_METHOD_GET] = "GET",         [ES_HTTP1_METHOD_HEAD] = "HEAD",
    [ES_HTTP1_METHOD_POST] = "POST",       [ES_HTTP1_METHOD_PUT] = "PUT",
    [ES_HTTP1_METHOD_DELETE] = "DELETE",   [ES_HTTP1_METHOD_OPTIONS] = "OPTIONS",
    [ES_HTTP1_METHOD_PATCH] = "PATCH",     [ES_HTTP1_METHOD_TRACE] = "TRACE",
};

const char *es_http1_method_name(es_http1_method method)
{
    if (method < ES_HTTP1_METHOD_GET || method > ES_HTTP1_METHOD_TRACE) return "UNKNOWN";
    return method_names[method];
}

/* The method for a (case-sensitive) name, or 0 when we do not implement it. */
static int method_from_name(const uint8_t *name, size_t len)
{
#define IS(lit) (memcmp(name, lit, sizeof(lit) - 1) == 0)
    switch (len) {
    case 3:
        if (IS("GET")) return ES_HTTP1_METHOD_GET;
        if (IS("PUT")) return ES_HTTP1_METHOD_PUT;
        return 0;
    case 4:
        if (IS("POST")) return ES_HTTP1_METHOD_POST;
        if (IS("HEAD")) return ES_HTTP1_METHOD_HEAD;
        return 0;
    case 5:
        if (IS("PATCH")) return ES_HTTP1_METHOD_PATCH;
        if (IS("TRACE")) return ES_HTTP1_METHOD_TRACE;
        return 0;
    case 6:
        return IS("DELETE") ? ES_HTTP1_METHOD_DELETE : 0;
    case 7:
        return IS("OPTIONS") ? ES_HTTP1_METHOD_OPTIONS : 0;
    default:
        return 0;
    }
#undef IS
}

/* ---------------------------------------------------------------------------------- */
/* Request line (checked once its CRLF has arrived; the scanner already checked each  */
/* byte of the method and target)                                                       */

static const char slash_path[] = "/";
static const char empty_authority[] = "";

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
        if (len != 1 || method != ES_HTTP1_METHOD_OPTIONS) return &E_INVALID_TARGET_FORM;
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
static const es_http1_error *parse_request_line(const uint8_t *b, size_t start, size_t cr,
                                                int check_brackets, es_http1_request *req)
{
    req->flags = 0;
    const es_http1_error *err = check_version(b, start, cr, &req->version_minor);
    if (err != NULL) return err;
    const uint8_t *line = b + start;
    const uint8_t *method_end = memchr(line, ' ', cr - start);
    int method = method_from_name(line, (size_t)(method_end - line));
    if (method == 0) return &E_METHOD_NOT_IMPLEMENTED;
    req->method = (es_http1_method)method;
    const uint8_t *target = method_end + 1;
    const uint8_t *target_end = b + cr - 9; /* the SP before the version */
    return parse_target(target, (size_t)(target_end - target), method, check_brackets, req);
}

/* ---------------------------------------------------------------------------------- */
/* The scanner                                                                          */

enum scan_state {
    S_LEADING = 0,       /* before the request line: empty lines are skipped */
    S_LEADING_LF,        /* CR of a leading empty line seen */
    S_METHOD,
    S_TARGET,
    S_TARGET_PCT1,       /* after "%" */
    S_TARGET_PCT2,       /* after "%" HEXDIG */
    S_VERSION,
    S_REQUEST_LINE_LF,   /* CR of the request line seen */
    S_FIELD_START,       /* start of a header line, or of the final empty line */
    S_FIELD_NAME,
    S_FIELD_VALUE,
    S_FIELD_LF,          /* CR of a header line seen */
    S_FINAL_LF,          /* CR of the final empty line seen */
    S_DONE,
    S_FAILED,
};

/* Stored with the state between calls: the target holds '[' or ']', which is only
   allowed in an absolute-form IP literal and is checked with the whole request line. */
#define STATE_MASK 0x7f
#define STATE_TARGET_BRACKET 0x80

static int fail(es_http1_parser *parser, const es_http1_error *err)
{
    parser->error = *err;
    parser->state = S_FAILED;
    return ES_HTTP1_ERROR;
}

static const es_http1_error *method_stop_error(uint8_t c)
{
    if (c == '\n') return &E_BARE_LF;
    if (c == ' ' || c == '\r') return &E_INVALID_REQUEST_LINE; /* empty method, no target */
    return &E_INVALID_METHOD;
}

static const es_http1_error *target_stop_error(uint8_t c)
{
    if (c == '\n') return &E_BARE_LF;
    if (c == '\r') return &E_MISSING_VERSION;
    return &E_INVALID_TARGET;
}

static const es_http1_error *version_stop_error(uint8_t c)
{
    if (c == '\n') return &E_BARE_LF;
    if (c == ' ') return &E_INVALID_REQUEST_LINE;
    return &E_INVALID_VERSION;
}

static const es_http1_error *field_start_error(uint8_t c)
{
    if (c == '\n') return &E_BARE_LF;
    if (c == ' ' || c == '\t') return &E_OBS_FOLD;
    if (c == ':') return &E_EMPTY_HEADER_NAME;
    return &E_INVALID_HEADER_NAME;
}

static const es_http1_error *field_name_stop_error(uint8_t c)
{
    if (c == '\n') return &E_BARE_LF;
    if (c == ' ' || c == '\t') return &E_WHITESPACE_BEFORE_COLON;
    if (c == '\r') return &E_MISSING_COLON;
    return &E_INVALID_HEADER_NAME;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Skips field-value bytes in b[p..stop). Values are most of a head's bytes, so they are
   first taken 8 at a time while no byte is a control byte (< 0x20, HTAB and CR
   included) or DEL; the table loop then settles the exact stop. */
static size_t skip_value_bytes(const uint8_t *b, size_t p, size_t stop)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (stop - p >= 8) {
        uint64_t word;
        memcpy(&word, b + p, 8);
        uint64_t below_space = (word - ones * 0x20) & ~word & highs;
        uint64_t del = word ^ (ones * 0x7f);
        uint64_t is_del = (del - ones) & ~del & highs;
        if (below_space | is_del) break;
        p += 8;
    }
    while (p < stop && has_class(b[p], CH_VALUE)) p++;
    return p;
}

/* Bytes of empty lines before the request line (already checked to be CRLF pairs). */
static size_t leading_empty_bytes(const uint8_t *b)
{
    size_t i = 0;
    while (b[i] == '\r') i += 2;
    return i;
}

/* `recorded_from`: header lines from this index on were recorded into `headers` by the
   scanner during this call; the ones before are located again here. */
static int finish_head(es_http1_parser *parser, const uint8_t *b, size_t head_end,
                       const head_limits *limits, es_http1_request *req,
                       es_http1_header *headers, int request_line_parsed,
                       uint32_t recorded_from)
{
    if (!request_line_parsed) {
        /* parsed in an earlier call, when the buffer may have been elsewhere */
        (void)parse_request_line(b, leading_empty_bytes(b), parser->request_line_end, 0, req);
    }
    es_http1_locate_fields(b, parser->request_line_end + 2, head_end - 2, headers, recorded_from);
    req->headers = headers;
    req->header_count = parser->header_lines;
    framing f;
    memset(&f, 0, sizeof f);
    const es_http1_error *err = es_http1_apply_fields(headers, parser->header_lines, &f);
    if (err == NULL) err = es_http1_check_framing(&f, req, limits);
    if (err != NULL) return fail(parser, err);

    int keep_alive = req->version_minor == 1
                         ? !f.connection_close
                         : (f.connection_keep_alive && !f.connection_close);
    if (keep_alive) req->flags |= ES_HTTP1_F_KEEP_ALIVE;
    if (f.has_transfer_encoding) req->flags |= ES_HTTP1_F_CHUNKED;
    /* RFC 9110 §10.1.1: a 100-continue expectation in HTTP/1.0 is ignored */
    if (f.expect_continue && req->version_minor == 1) req->flags |= ES_HTTP1_F_EXPECT_CONTINUE;
    if (f.upgrade) req->flags |= ES_HTTP1_F_UPGRADE;
    req->content_length = f.has_content_length ? f.content_length : -1;
    if (!(req->flags & ES_HTTP1_F_ABSOLUTE_FORM)) {
        req->authority = f.host != NULL ? (const char *)f.host : empty_authority;
        req->authority_len = f.host_len;
    }
    req->head_len = (uint32_t)head_end;
    return ES_HTTP1_OK;
}

/*
 * The byte loop. Every state consumes a run of ordinary bytes in a tight table loop,
 * then decides on the one byte that stopped it. Limits are enforced by bounding those
 * loops: a byte at or past a limit's end is an error the moment it arrives.
 *
 * The switch runs once per call, to resume where the previous call stopped; states then
 * jump straight to each other, so a state change costs a direct branch, not a dispatch.
 * AT_END(s) leaves with state s when the bytes run out.
 */
#define AT_END(s)                \
    do {                         \
        if (p == end) {          \
            state = (s);         \
            goto need_more;      \
        }                        \
    } while (0)

static int scan_head(es_http1_parser *parser, const uint8_t *b, size_t end,
                     const head_limits *limits, es_http1_request *req,
                     es_http1_header *headers)
{
    size_t p = parser->scanned;
    uint8_t state = parser->state & STATE_MASK;
    uint8_t bracket = parser->state & STATE_TARGET_BRACKET;
    int request_line_parsed = 0; /* parsed into req during this call */
    /* header lines that start in this call are recorded into `headers` as they are
       scanned, so the common single-call head is never walked twice */
    const uint32_t recorded_from = parser->header_lines;
    /* first offset the request line (without CRLF) may not reach with a non-CR byte */
    size_t line_limit = parser->line_start + limits->max_request_line;
    /* first offset past the allowed header block */
    size_t block_limit = parser->request_line_end + 2 + limits->max_header_block;
    uint8_t c;

    switch (state) {
    case S_LEADING: goto leading;
    case S_LEADING_LF: goto leading_lf;
    case S_METHOD: goto method;
    case S_TARGET: goto target;
    case S_TARGET_PCT1: goto target_pct1;
    case S_TARGET_PCT2: goto target_pct2;
    case S_VERSION: goto version;
    case S_REQUEST_LINE_LF: goto request_line_lf;
    case S_FIELD_START: goto field_start;
    case S_FIELD_NAME: goto field_name;
    case S_FIELD_VALUE: goto field_value;
    case S_FIELD_LF: goto field_lf;
    case S_FINAL_LF: goto final_lf;
    default: return fail(parser, &E_INVALID_REQUEST_LINE); /* corrupted state */
    }

leading:
    AT_END(S_LEADING);
    if (b[p] == '\r') {
        if (p >= limits->max_request_line) return fail(parser, &E_TOO_MANY_EMPTY_LINES);
        p++;
        goto leading_lf;
    }
    if (b[p] == '\n') return fail(parser, &E_BARE_LF);
    parser->line_start = (uint32_t)p;
    line_limit = p + limits->max_request_line;
    goto method;

leading_lf:
    AT_END(S_LEADING_LF);
    if (b[p] != '\n') return fail(parser, &E_BARE_CR);
    p++;
    goto leading;

method: {
    size_t stop = min_size(end, line_limit);
    while (p < stop && has_class(b[p], CH_TCHAR)) p++;
    AT_END(S_METHOD);
    c = b[p];
    if (p == line_limit && c != '\r') return fail(parser, &E_REQUEST_LINE_TOO_LONG);
    if (c != ' ' || p == parser->line_start) return fail(parser, method_stop_error(c));
    p++;
    goto target;
}

target: {
    size_t stop = min_size(end, line_limit);
    while (p < stop && has_class(b[p], CH_TARGET)) p++;
    AT_END(S_TARGET);
    c = b[p];
    if (p == line_limit && c != '\r') return fail(parser, &E_URI_TOO_LONG);
    p++;
    if (c == '%') goto target_pct1;
    if (c == '[' || c == ']') {
        bracket = STATE_TARGET_BRACKET;
        goto target;
    }
    if (c != ' ') return fail(parser, target_stop_error(c));
    /* an empty target: two SPs in a row */
    if (b[p - 2] == ' ') return fail(parser, &E_INVALID_REQUEST_LINE);
    goto version;
}

target_pct1:
    AT_END(S_TARGET_PCT1);
    if (p == line_limit && b[p] != '\r') return fail(parser, &E_URI_TOO_LONG);
    if (!has_class(b[p], CH_HEX)) return fail(parser, b[p] == '\n' ? &E_BARE_LF : &E_INVALID_PERCENT);
    p++;
    goto target_pct2;

target_pct2:
    AT_END(S_TARGET_PCT2);
    if (p == line_limit && b[p] != '\r') return fail(parser, &E_URI_TOO_LONG);
    if (!has_class(b[p], CH_HEX)) return fail(parser, b[p] == '\n' ? &E_BARE_LF : &E_INVALID_PERCENT);
    p++;
    goto target;

version: {
    size_t stop = min_size(end, line_limit);
    while (p < stop && has_class(b[p], CH_VCHAR)) p++;
    AT_END(S_VERSION);
    c = b[p];
    if (c != '\r') {
        if (p == line_limit) return fail(parser, &E_REQUEST_LINE_TOO_LONG);
        return fail(parser, version_stop_error(c));
    }
    parser->request_line_end = (uint32_t)p;
    block_limit = p + 2 + limits->max_header_block;
    p++;
    goto request_line_lf;
}

request_line_lf: {
    AT_END(S_REQUEST_LINE_LF);
    if (b[p] != '\n') return fail(parser, &E_BARE_CR);
    p++;
    const es_http1_error *err = parse_request_line(b, parser->line_start,
                                                   parser->request_line_end, bracket != 0, req);
    if (err != NULL) return fail(parser, err);
    request_line_parsed = 1;
    bracket = 0;
    goto field_start;
}

field_start:
    AT_END(S_FIELD_START);
    if (p >= block_limit) return fail(parser, &E_HEADER_BLOCK_TOO_LARGE);
    c = b[p];
    if (c == '\r') {
        p++;
        goto final_lf;
    }
    if (!has_class(c, CH_TCHAR)) return fail(parser, field_start_error(c));
    if (parser->header_lines >= limits->max_header_count) return fail(parser, &E_TOO_MANY_HEADERS);
    headers[parser->header_lines].name = (const char *)b + p;
    parser->header_lines++;
    parser->line_start = (uint32_t)p;
    p++;
    goto field_name;

field_name: {
    size_t stop = min_size(end, block_limit);
    while (p < stop && has_class(b[p], CH_TCHAR)) p++;
    AT_END(S_FIELD_NAME);
    if (p == block_limit) return fail(parser, &E_HEADER_BLOCK_TOO_LARGE);
    c = b[p];
    if (c != ':') return fail(parser, field_name_stop_error(c));
    uint32_t index = parser->header_lines - 1u;
    if (index >= recorded_from) {
        headers[index].name_len = (uint32_t)(p - parser->line_start);
        headers[index].value = (const char *)b + p + 1; /* OWS is skipped at the CR */
    }
    p++;
    goto field_value;
}

field_value: {
    p = skip_value_bytes(b, p, min_size(end, block_limit));
    AT_END(S_FIELD_VALUE);
    if (p == block_limit) return fail(parser, &E_HEADER_BLOCK_TOO_LARGE);
    c = b[p];
    if (c != '\r') return fail(parser, c == '\n' ? &E_BARE_LF : &E_INVALID_HEADER_VALUE);
    uint32_t index = parser->header_lines - 1u;
    if (index >= recorded_from) {
        const uint8_t *value = skip_ows((const uint8_t *)headers[index].value, b + p);
        headers[index].value = (const char *)value;
        headers[index].value_len = (uint32_t)(trim_ows_end(value, b + p) - value);
    }
    p++;
    goto field_lf;
}

field_lf:
    AT_END(S_FIELD_LF);
    if (p >= block_limit) return fail(parser, &E_HEADER_BLOCK_TOO_LARGE);
    if (b[p] != '\n') return fail(parser, &E_BARE_CR);
    p++;
    goto field_start;

final_lf:
    AT_END(S_FINAL_LF);
    if (p >= block_limit) return fail(parser, &E_HEADER_BLOCK_TOO_LARGE);
    if (b[p] != '\n') return fail(parser, &E_BARE_CR);
    p++;
    parser->scanned = (uint32_t)p;
    parser->state = S_DONE;
    return finish_head(parser, b, p, limits, req, headers, request_line_parsed, recorded_from);

need_more:
    parser->scanned = (uint32_t)p;
    parser->state = (uint8_t)(state | bracket);
    return ES_HTTP1_INCOMPLETE;
}

#undef AT_END

void es_http1_parser_reset(es_http1_parser *parser)
{
    memset(parser, 0, sizeof *parser);
}

int es_http1_parse_head(es_http1_parser *parser, const char *buf, size_t len,
                        const es_http1_limits *limits, es_http1_request *req,
                        es_http1_header *headers, uint32_t max_headers)
{
    uint8_t state = parser->state & STATE_MASK;
    if (state == S_FAILED) return ES_HTTP1_ERROR;
    head_limits effective = effective_limits(limits, headers != NULL ? max_headers : 0);
    const uint8_t *b = (const uint8_t *)buf;
    if (state == S_DONE) {
        return finish_head(parser, b, parser->scanned, &effective, req, headers, 0,
                           parser->header_lines);
    }
    if (len < parser->scanned) return ES_HTTP1_INCOMPLETE; /* not a growing prefix */
    return scan_head(parser, b, len, &effective, req, headers);
}
