/*
 * es_http1_parser.c: request-head parsing for es_http1_parser.h (RFC 9112, RFC 9110).
 *
 * Files: this one (the scanner and the cross-field checks), es_http1_request_line.c (the
 * method, version and target forms), es_http1_authority.c (hosts),
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
 * The error catalogue (every code a malformed head can get), the byte classes and the
 * default limits are in es_http1_tables.c.
 */
#include "es_http1_internal.h"

static const char empty_authority[] = "";

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
        (void)es_http1_parse_request_line(b, leading_empty_bytes(b), parser->request_line_end, 0, req);
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
    const es_http1_error *err = es_http1_parse_request_line(b, parser->line_start,
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
    head_limits effective = es_http1_effective_limits(limits, headers != NULL ? max_headers : 0);
    const uint8_t *b = (const uint8_t *)buf;
    if (state == S_DONE) {
        return finish_head(parser, b, parser->scanned, &effective, req, headers, 0,
                           parser->header_lines);
    }
    if (len < parser->scanned) return ES_HTTP1_INCOMPLETE; /* not a growing prefix */
    return scan_head(parser, b, len, &effective, req, headers);
}
