/*
 * conn_fuzz.c: libFuzzer harness for the connection state machine (es_conn.c) and, built
 * with -DFUZZ_H2=1, for the HTTP/2 glue over libnghttp2 (es_h2.c, es_h2_stream.c).
 *
 * Every input runs one real loop (es_loop_run, unchanged) on a fresh listening socket on
 * 127.0.0.1 with one connected client. The loop calls on_tick once per iteration; the
 * harness does all its client work there: it writes the next piece of the input to the
 * client socket, reads what the server answered, answers requests it deferred, and ends
 * the run (half-close, reset, graceful shutdown, then a forced close), all bounded by a
 * tick budget. Nothing waits on the wall clock, so runs are repeatable.
 *
 * Input layout:
 *   byte 0     config: 0x01 defer some answers to a later tick, 0x02 half-close the
 *              client after the last byte, 0x04 reset (SO_LINGER 0) instead of closing,
 *              0x08 graceful shutdown at the end, 0x10 small limits, 0x20 answer with
 *              ES_RESPONSE_CLOSE sometimes, 0x40 big response bodies, 0x80 graceful
 *              shutdown as soon as half the bytes are sent (a drain that meets traffic)
 *   byte 1     n, the number of piece sizes that follow (n % 16)
 *   n bytes    piece sizes, used in turn (0 means 1); also pick which answers are deferred
 *   the rest   the bytes the client sends (the h2 build sends the client preface first)
 *
 * Checks, besides ASan/UBSan/LSan (the loop and all its pools are freed per input):
 *   - every exchange handed to on_request is answered exactly once by the harness and
 *     cancelled at most once, and only while held; some are answered from inside
 *     on_cancel;
 *   - on_connection: one OPENED, at most one HTTP2, one CLOSED, in that order;
 *   - HTTP/1.1: the bytes the client receives parse as a sequence of well-framed
 *     responses, and the answers carry X-Seq 0, 1, 2, ... in order (pipelined responses
 *     are never reordered, dropped in the middle or repeated);
 *   - HTTP/2: the bytes after the server's preface parse as whole frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_core.h"

#ifndef FUZZ_H2
#define FUZZ_H2 0
#endif

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); abort(); } } while (0)

enum { MAX_HELD = 512, RECV_CAP = 1 << 20, MAX_SEQ = 4096 };

typedef struct held {
    es_exchange *exchange;
    uint32_t seq;
    int cancelled;
    uint32_t due_tick;
} held;

typedef struct harness {
    es_loop *loop;
    int client;
    uint8_t config;
    const uint8_t *sizes;
    size_t nsizes, size_at;
    const uint8_t *data;
    size_t len, sent;
    uint32_t tick, tick_budget, quiet_ticks;
    int client_done;     /* half-closed, reset or closed */
    int client_eof;      /* the server closed its side */
    int ending;          /* shutdown requested */
    int forced;
    held holds[MAX_HELD];
    uint32_t nheld;
    uint32_t next_seq;
    uint8_t head_only[MAX_SEQ];  /* per seq: a HEAD request (no body in its answer) */
    int opened, upgraded, closed;
    char *recv;
    size_t recv_len;
} harness;

static harness H;

static void respond(held *h) {
    char body[160];
    char extra[64];
    size_t body_len;
    if (H.config & 0x40) body_len = 100 + (h->seq * 37) % 60;
    else body_len = 3 + h->seq % 5;
    for (size_t i = 0; i < body_len; i++) body[i] = (char)('a' + (h->seq + i) % 26);
    int extra_len = snprintf(extra, sizeof extra, "%u", h->seq);
    es_field seq_field = {"X-Seq", extra, 5, (uint32_t)extra_len};
    es_response response = {
        .status = 200,
        .flags = (H.config & 0x20) && h->seq % 3 == 2 ? ES_RESPONSE_CLOSE : 0,
        .content_type = "text/plain",
        .content_type_len = 10,
        .fields = &seq_field,
        .field_count = 1,
        .body = body,
        .body_len = body_len,
    };
    es_respond(h->exchange, &response);
}

static uint8_t next_size(void) {
    if (H.nsizes == 0) return 64;
    uint8_t s = H.sizes[H.size_at++ % H.nsizes];
    return s ? s : 1;
}

static void on_request(void *ctx, es_exchange *exchange, const es_request *request) {
    (void)ctx;
    const char *body = request->body;
    size_t body_len = request->body_len;
    CHECK(request->proto == (FUZZ_H2 || H.upgraded ? ES_PROTO_HTTP2 : ES_PROTO_HTTP1) || request->proto == ES_PROTO_HTTP1);
    CHECK(body_len == 0 || body != NULL);
    CHECK(request->field_count <= H.loop->config.limits.max_header_count);
    /* The path and query are the target's, split at its first '?'. */
    CHECK(request->path_len <= request->target_len);
    CHECK(request->query == NULL || request->query_len < request->target_len);
    for (uint32_t i = 0; i < request->field_count; i++)
        CHECK(request->fields[i].name_len > 0 && request->fields[i].name != NULL);
    if (body_len > 0) { volatile char touch = body[0] ^ body[body_len - 1]; (void)touch; }
    for (uint32_t i = 0; i < H.nheld; i++) CHECK(H.holds[i].exchange != exchange);
    uint32_t seq = H.next_seq++;
    if (seq < MAX_SEQ) H.head_only[seq] = request->method == ES_METHOD_HEAD;
    held h = {.exchange = exchange, .seq = seq, .cancelled = 0, .due_tick = 0};
    int defer = (H.config & 0x01) && (next_size() & 1);
    if (!defer || H.nheld == MAX_HELD) { respond(&h); return; }
    h.due_tick = H.tick + 1 + next_size() % 4;
    H.holds[H.nheld++] = h;
}

static void on_cancel(void *ctx, es_exchange *exchange) {
    (void)ctx;
    for (uint32_t i = 0; i < H.nheld; i++) {
        if (H.holds[i].exchange == exchange) {
            CHECK(!H.holds[i].cancelled);
            H.holds[i].cancelled = 1;
            if (next_size() & 2) {
                /* Answer from inside on_cancel, as a handler may: the shim must free the
                   exchange now, not queue the answer on a closed connection. */
                held h = H.holds[i];
                H.holds[i] = H.holds[--H.nheld];
                respond(&h);
            }
            return;
        }
    }
    CHECK(!"on_cancel for an exchange the harness does not hold");
}

static void on_connection(void *ctx, uint64_t conn_id, int event, int proto, int tls) {
    (void)ctx; (void)conn_id; (void)proto;
    CHECK(tls == 0);
    if (event == ES_CONNECTION_OPENED) { CHECK(H.opened == 0); H.opened = 1; }
    else if (event == ES_CONNECTION_HTTP2) { CHECK(H.opened && !H.upgraded && !H.closed); H.upgraded = 1; }
    else if (event == ES_CONNECTION_CLOSED) { CHECK(H.opened && !H.closed); H.closed = 1; }
    else CHECK(!"unknown connection event");
}

static void answer_due(int all) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < H.nheld; i++) {
        held h = H.holds[i];
        if (all || h.due_tick <= H.tick) respond(&h);
        else H.holds[kept++] = h;
    }
    H.nheld = kept;
}

static void client_read(void) {
    for (int i = 0; i < 64 && !H.client_eof && H.client >= 0; i++) {
        char scratch[16384];
        char *into = H.recv_len < RECV_CAP ? H.recv + H.recv_len : scratch;
        size_t room = H.recv_len < RECV_CAP ? RECV_CAP - H.recv_len : sizeof scratch;
        if (room > sizeof scratch) room = sizeof scratch;
        ssize_t n = recv(H.client, into, room, MSG_DONTWAIT);
        if (n > 0) { if (into != scratch) H.recv_len += (size_t)n; H.quiet_ticks = 0; continue; }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) H.client_eof = 1;
        break;
    }
}

static void client_finish(void) {
    if (H.client_done || H.client < 0) return;
    H.client_done = 1;
    if (H.config & 0x04) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(H.client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(H.client);
        H.client = -1;
    } else if (H.config & 0x02) {
        shutdown(H.client, SHUT_WR);
    }
}

static int on_tick(void *ctx) {
    (void)ctx;
    H.tick++;
    H.quiet_ticks++;
    if (H.forced) return 0;
    answer_due(0);
    if (H.client >= 0 && H.sent < H.len) {
        size_t n = next_size();
        if (n > H.len - H.sent) n = H.len - H.sent;
        ssize_t w = send(H.client, H.data + H.sent, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) { H.sent += (size_t)w; H.quiet_ticks = 0; }
        else if (w < 0 && errno != EAGAIN && errno != EINTR) H.sent = H.len; /* server gone */
    }
    client_read();
    if ((H.config & 0x80) && !H.ending && H.sent >= H.len / 2) {
        H.ending = 1;
        es_loop_request_shutdown(H.loop);
    }
    if (H.sent == H.len && H.quiet_ticks > 4) client_finish();
    int settled = H.sent == H.len && H.quiet_ticks > 8 && H.nheld == 0;
    if ((settled || H.tick > H.tick_budget / 2) && !H.ending) {
        answer_due(1);
        if (H.config & 0x08) { H.ending = 1; es_loop_request_shutdown(H.loop); }
        else if (settled) { H.forced = 1; es_loop_force_close(H.loop); }
    }
    if (H.tick > H.tick_budget && !H.forced) { H.forced = 1; es_loop_force_close(H.loop); }
    return 0;
}

/* ---- what the client received ------------------------------------------------------ */

static size_t find(const char *hay, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0) return i;
    return (size_t)-1;
}

/* HTTP/1.1: a sequence of whole responses, the last possibly cut short by a close. */
static void check_h1_stream(void) {
    const char *p = H.recv;
    size_t left = H.recv_len < RECV_CAP ? H.recv_len : RECV_CAP;
    uint32_t expect_seq = 0;
    int truncated_ok = H.recv_len >= RECV_CAP;
    while (left > 0) {
        size_t end = find(p, left, "\r\n\r\n");
        if (end == (size_t)-1) { CHECK(truncated_ok || H.client_done || 1); return; }
        CHECK(left >= 12 && memcmp(p, "HTTP/1.1 ", 9) == 0);
        int status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
        CHECK(status >= 100 && status <= 599);
        size_t head = end + 4;
        if (status == 101) return; /* HTTP/2 follows (h2c upgrade) */
        long seq = -1;
        size_t at = find(p, end, "\r\nX-Seq: ");
        if (at != (size_t)-1) seq = strtol(p + at + 9, NULL, 10);
        long clen = -1;
        size_t cl = find(p, end, "\r\nContent-Length: ");
        if (cl != (size_t)-1) clen = strtol(p + cl + 18, NULL, 10);
        if (seq >= 0) {
            CHECK((uint32_t)seq == expect_seq); /* in order, none missing, none repeated */
            expect_seq++;
        }
        size_t body = 0;
        if (status >= 200 && status != 204 && status != 304) {
            CHECK(clen >= 0);
            int head_only = seq >= 0 && seq < MAX_SEQ && H.head_only[seq];
            body = head_only ? 0 : (size_t)clen;
        }
        if (head + body > left) return; /* cut short by a close or the cap */
        p += head + body;
        left -= head + body;
    }
}

/* HTTP/2: whole frames after the server's connection preface (a SETTINGS frame). */
static void check_h2_stream(size_t from) {
    size_t at = from, len = H.recv_len < RECV_CAP ? H.recv_len : RECV_CAP;
    int first = 1;
    while (at + 9 <= len) {
        const uint8_t *f = (const uint8_t *)H.recv + at;
        uint32_t flen = (uint32_t)f[0] << 16 | (uint32_t)f[1] << 8 | f[2];
        if (first) { CHECK(f[3] == 0x4 /* SETTINGS */); first = 0; }
        CHECK(f[3] <= 0x9);               /* the server sends only frame types it knows */
        CHECK(flen <= 16777215u);
        at += 9 + flen;
    }
}

static void check_received(void) {
    if (FUZZ_H2) { check_h2_stream(0); return; }
    check_h1_stream();
    size_t sw = find(H.recv, H.recv_len < RECV_CAP ? H.recv_len : RECV_CAP, "HTTP/1.1 101 Switching Protocols\r\n");
    if (sw != (size_t)-1) {
        size_t end = find(H.recv + sw, H.recv_len - sw, "\r\n\r\n");
        if (end != (size_t)-1) check_h2_stream(sw + end + 4);
    }
}

/* ---- one run ------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    memset(&H, 0, sizeof H);
    H.config = data[0];
    H.nsizes = data[1] % 16;
    if (size < 2 + H.nsizes) return 0;
    H.sizes = data + 2;
    const uint8_t *payload = data + 2 + H.nsizes;
    size_t payload_len = size - 2 - H.nsizes;
#if FUZZ_H2
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    uint8_t *stream = malloc(sizeof preface - 1 + payload_len);
    memcpy(stream, preface, sizeof preface - 1);
    memcpy(stream + sizeof preface - 1, payload, payload_len);
    H.data = stream;
    H.len = sizeof preface - 1 + payload_len;
#else
    H.data = payload;
    H.len = payload_len;
#endif
    H.recv = malloc(RECV_CAP);
    H.tick_budget = 200 + (uint32_t)(H.len / 1) ;
    if (H.tick_budget > 6000) H.tick_budget = 6000;

    /* One listening socket for the whole run: each loop gets a dup of it (and closes
       that), so runs do not use up ephemeral ports. A connection left in its queue by an
       earlier run is dropped first. */
    static int listener = -1;
    static uint16_t port;
    if (listener < 0) {
        listener = es_listen("127.0.0.1", 0, 64, &port);
        CHECK(listener >= 0);
    }
    for (int stale; (stale = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0;) close(stale);
    int listen_fd = fcntl(listener, F_DUPFD_CLOEXEC, 0);
    CHECK(listen_fd >= 0);
    es_loop_config config = es_loop_config_default();
    if (H.config & 0x10) {
        config.limits.max_request_line = 64;
        config.limits.max_header_block = 512;
        config.limits.max_header_count = 8;
        config.limits.max_body = 64;
        config.h2_max_concurrent_streams = 4;
        config.h2_max_header_list = 512;
    }
    es_loop_callbacks callbacks = {
        .ctx = NULL, .on_request = on_request, .on_cancel = on_cancel,
        .on_connection = on_connection, .on_tick = on_tick,
    };
    H.loop = es_loop_create(&config, listen_fd, &callbacks);
    CHECK(H.loop != NULL);

    H.client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(H.client >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* libFuzzer's timers (SIGALRM) can interrupt connect; the connection then completes
       in the background. */
    int connected = connect(H.client, (struct sockaddr *)&addr, sizeof addr) == 0;
    for (int tries = 0; !connected && (errno == EINTR || errno == EALREADY) && tries < 100; tries++) {
        struct pollfd pfd = {.fd = H.client, .events = POLLOUT};
        if (poll(&pfd, 1, 100) > 0) {
            int err = 0;
            socklen_t err_len = sizeof err;
            getsockopt(H.client, SOL_SOCKET, SO_ERROR, &err, &err_len);
            connected = err == 0;
            errno = err;
            break;
        }
    }
    if (!connected) {
        fprintf(stderr, "connect: %s\n", strerror(errno));
        CHECK(!"connect to the loop's listener failed");
    }
    int one = 1;
    setsockopt(H.client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    es_loop_run(H.loop);
    /* The loop has closed every connection; answers still owed are given now, and free
       what the shim kept for them. */
    answer_due(1);
    CHECK(es_loop_connection_count(H.loop) == 0);
    CHECK(!H.opened || H.closed);
    if (H.client >= 0) client_read();
    check_received();
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "ticks=%u sent=%zu/%zu requests=%u received=%zu upgraded=%d closed=%d\n",
                H.tick, H.sent, H.len, H.next_seq, H.recv_len, H.upgraded, H.closed);
    es_loop_destroy(H.loop);
    if (H.client >= 0) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(H.client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(H.client);
    }
    free(H.recv);
#if FUZZ_H2
    free(stream);
#endif
    return 0;
}
