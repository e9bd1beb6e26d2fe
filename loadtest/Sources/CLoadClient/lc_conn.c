/*
 * lc_conn.c: one client connection's life: connect, submit, write, read, complete, fail,
 * and reconnect. Framing is the protocol's job, moving bytes the transport's.
 *
 * Each socket is registered once, edge-triggered, for input and output. Writes are tried
 * whenever the write buffer has bytes (the loop's dirty list) and again on EPOLLOUT; reads
 * run until EAGAIN.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lc_internal.h"

enum {
    LC_CONNECT_BACKOFF_NS = 50 * 1000 * 1000,
    LC_H2_WBUF_EXTRA = 64 * 1024, /* h2: room for frames beyond the requests (SETTINGS, window updates) */
};

#define COUNT(loop, field, n) atomic_fetch_add_explicit(&(loop)->counters.field, (n), memory_order_relaxed)

static void conn_reset_slots(lc_conn *conn) {
    for (uint32_t i = 0; i < conn->max_inflight; i++) conn->slots[i].next_free = i + 1;
    conn->free_slot = 0;
    conn->inflight = 0;
}

int lc_conn_init(lc_loop *loop, lc_conn *conn, uint32_t index) {
    const lc_loop_config *config = &loop->config;
    memset(conn, 0, sizeof *conn);
    conn->loop = loop;
    conn->index = index;
    conn->fd = -1;
    conn->transport = loop->transport;
    conn->protocol = loop->protocol;
    conn->max_inflight = config->pipeline;
    conn->rbuf_cap = config->read_buffer_size;
    conn->wbuf_cap = loop->longest_request * config->pipeline; /* a full pipeline always fits */
    if (loop->h2_requests != NULL) conn->wbuf_cap += LC_H2_WBUF_EXTRA;
    conn->slots = calloc(conn->max_inflight, sizeof *conn->slots);
    conn->order = calloc(conn->max_inflight, sizeof *conn->order);
    conn->rbuf = malloc(conn->rbuf_cap);
    conn->wbuf = malloc(conn->wbuf_cap);
    if (!conn->slots || !conn->order || !conn->rbuf || !conn->wbuf) return -1;
    if (loop->keeps_bodies) {
        conn->bodies = malloc((size_t)conn->max_inflight * config->body_limit);
        if (conn->bodies == NULL) return -1;
    }
    conn_reset_slots(conn);
    return 0;
}

void lc_conn_free(lc_conn *conn) {
    if (conn->loop == NULL) return; /* never initialized */
    if (conn->fd >= 0) {
        conn->transport->shutdown(conn);
        close(conn->fd);
    }
    conn->state = LC_CONN_IDLE;
    conn->protocol->open(conn); /* frees an h2 session */
    free(conn->slots);
    free(conn->order);
    free(conn->rbuf);
    free(conn->wbuf);
    free(conn->bodies);
}

/* Closes the socket and forgets everything in flight (the caller has accounted for it). */
static void conn_close(lc_conn *conn, uint64_t retry_at_ns) {
    if (conn->fd >= 0) {
        conn->transport->shutdown(conn);
        close(conn->fd); /* also removes it from the epoll set */
        conn->fd = -1;
    }
    conn->state = LC_CONN_IDLE;
    conn->retry_at_ns = retry_at_ns;
    conn->rbuf_len = 0;
    conn->wbuf_len = conn->wbuf_sent = 0;
    conn_reset_slots(conn);
    conn->protocol->open(conn); /* not OPEN: resets (and frees an h2 session) */
    if (conn->protocol != conn->loop->protocol) { /* ALPN chose; the next connect chooses again */
        conn->protocol = conn->loop->protocol;
        conn->protocol->open(conn);
    }
}

static void conn_connect_failed(lc_conn *conn, uint64_t now_ns) {
    lc_loop_emit(conn->loop, lc_now_ns(), 0, LC_NO_REQUEST, 0, LC_ERROR_CONNECT);
    conn_close(conn, now_ns + LC_CONNECT_BACKOFF_NS);
}

static void conn_established(lc_conn *conn) {
    int ready = conn->transport->established(conn);
    if (ready < 0) { conn_connect_failed(conn, lc_now_ns()); return; }
    if (ready == 0) { /* a handshake goes on; a later event calls this again */
        conn->state = LC_CONN_HANDSHAKE;
        return;
    }
    conn->state = LC_CONN_OPEN;
    conn->protocol->open(conn);
    COUNT(conn->loop, connects, 1);
    lc_loop_conn_ready(conn->loop, conn);
}

void lc_conn_connect(lc_conn *conn, uint64_t now_ns) {
    lc_loop *loop = conn->loop;
    int fd = socket(loop->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { conn_connect_failed(conn, now_ns); return; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = conn};
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        conn_connect_failed(conn, now_ns);
        return;
    }
    conn->fd = fd;
    conn->connect_ns = now_ns;
    conn->state = LC_CONN_CONNECTING;
    if (connect(fd, (const struct sockaddr *)&loop->addr, loop->addr_len) == 0) {
        conn_established(conn);
    } else if (errno != EINPROGRESS) {
        conn_connect_failed(conn, now_ns);
    }
}

void lc_conn_fail(lc_conn *conn, lc_error_kind kind) {
    uint64_t now = lc_now_ns();
    for (uint32_t i = 0; i < conn->max_inflight; i++) {
        const lc_inflight *slot = &conn->slots[i];
        if (slot->next_free != UINT32_MAX) continue; /* free */
        lc_loop_emit_slot(conn->loop, now, slot, 0, kind, NULL);
    }
    conn_close(conn, now);
}

int lc_conn_can_submit(const lc_conn *conn, const lc_request *request) {
    return conn->state == LC_CONN_OPEN && conn->inflight < conn->max_inflight &&
           conn->wbuf_cap - conn->wbuf_len >= request->len &&
           (conn->protocol->has_room == NULL || conn->protocol->has_room(conn));
}

int lc_conn_submit(lc_conn *conn, uint32_t request_index, uint64_t start_ns) {
    uint32_t slot = conn->free_slot;
    lc_inflight *entry = &conn->slots[slot];
    entry->trace_seq = conn->loop->trace_next; /* before submit: the protocol writes its traceparent */
    entry->body_len = 0;
    entry->body_too_large = 0;
    const lc_request *request = &conn->loop->config.requests[request_index];
    if (conn->protocol->submit(conn, slot, request) != 0) return -1;
    if (request->trace_offset != 0 && lc_loop_trace_sampled(conn->loop, entry->trace_seq)) COUNT(conn->loop, trace_sampled, 1);
    conn->loop->trace_next++;
    conn->free_slot = entry->next_free;
    entry->next_free = UINT32_MAX; /* in use */
    entry->start_ns = start_ns;
    entry->sent_ns = lc_now_ns();
    entry->request_index = request_index;
    entry->bytes_in = 0;
    conn->inflight++;
    COUNT(conn->loop, sent, 1);
    lc_loop_mark_dirty(conn->loop, conn);
    return 0;
}

static void conn_release(lc_conn *conn, uint32_t slot, uint16_t status, lc_error_kind kind) {
    lc_inflight *entry = &conn->slots[slot];
    const char *body = NULL;
    if (kind == LC_ERROR_NONE && conn->bodies != NULL &&
        (conn->loop->config.requests[entry->request_index].flags & LC_REQUEST_KEEP_BODY))
        body = lc_conn_body(conn, slot);
    lc_loop_emit_slot(conn->loop, lc_now_ns(), entry, status, kind, body);
    entry->next_free = conn->free_slot;
    conn->free_slot = slot;
    conn->inflight--;
}

void lc_conn_complete(lc_conn *conn, uint32_t slot, uint16_t status) { conn_release(conn, slot, status, LC_ERROR_NONE); }

void lc_conn_fail_slot(lc_conn *conn, uint32_t slot, lc_error_kind kind) { conn_release(conn, slot, 0, kind); }

void lc_conn_flush(lc_conn *conn) {
    if (conn->fd < 0 || conn->state == LC_CONN_CONNECTING || conn->state == LC_CONN_HANDSHAKE) return;
    for (;;) {
        /* h2: the session's output joins what is queued. */
        if (conn->protocol->produce != NULL && conn->protocol->produce(conn) != 0) {
            lc_conn_fail(conn, LC_ERROR_PROTOCOL);
            return;
        }
        if (conn->wbuf_sent == conn->wbuf_len) break;
        while (conn->wbuf_sent < conn->wbuf_len) {
            ssize_t n = conn->transport->write(conn, conn->wbuf + conn->wbuf_sent, conn->wbuf_len - conn->wbuf_sent);
            if (n > 0) {
                conn->wbuf_sent += (uint32_t)n;
                COUNT(conn->loop, bytes_out, (uint64_t)n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return; /* EPOLLOUT comes back with room */
            lc_conn_fail(conn, LC_ERROR_RESET);
            return;
        }
        conn->wbuf_len = conn->wbuf_sent = 0;
        if (conn->protocol->produce == NULL) break;
    }
    if (conn->wbuf_sent == conn->wbuf_len) conn->wbuf_len = conn->wbuf_sent = 0;
}

/* Reads until EAGAIN, handing bytes to the protocol. */
static void conn_read(lc_conn *conn) {
    for (;;) {
        if (conn->rbuf_len == conn->rbuf_cap) { lc_conn_fail(conn, LC_ERROR_PROTOCOL); return; }
        ssize_t n = conn->transport->read(conn, conn->rbuf + conn->rbuf_len, conn->rbuf_cap - conn->rbuf_len);
        if (n > 0) {
            COUNT(conn->loop, bytes_in, (uint64_t)n);
            conn->rbuf_len += (uint32_t)n;
            ssize_t used = conn->protocol->receive(conn, conn->rbuf, conn->rbuf_len);
            if (used < 0) { lc_conn_fail(conn, LC_ERROR_PROTOCOL); return; }
            conn->rbuf_len -= (uint32_t)used;
            if (conn->rbuf_len > 0) memmove(conn->rbuf, conn->rbuf + used, conn->rbuf_len);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        /* EOF or a socket error: what is still in flight was lost. */
        if (n == 0 && conn->inflight > 0) conn->protocol->eof(conn);
        lc_conn_fail(conn, LC_ERROR_RESET);
        return;
    }
    if (conn->state == LC_CONN_CLOSING && conn->inflight == 0) {
        conn_close(conn, lc_now_ns());
        return;
    }
    lc_loop_conn_ready(conn->loop, conn);
}

void lc_conn_on_event(lc_conn *conn, uint32_t events) {
    if (conn->state == LC_CONN_CONNECTING) {
        int error = 0;
        socklen_t len = sizeof error;
        if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
        if (error != 0) { conn_connect_failed(conn, lc_now_ns()); return; }
        if (!(events & EPOLLOUT)) return;
        conn_established(conn);
        if (conn->state != LC_CONN_OPEN) return;
        events |= EPOLLIN; /* a handshake-free transport: read anything already there */
    } else if (conn->state == LC_CONN_HANDSHAKE) {
        conn_established(conn);
        if (conn->state != LC_CONN_OPEN) return;
        events |= EPOLLIN | EPOLLOUT; /* records may already wait in the TLS buffer */
    }
    if (conn->state == LC_CONN_IDLE) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) conn_read(conn);
    if (conn->fd >= 0 && (events & EPOLLOUT)) lc_conn_flush(conn);
}

void lc_conn_sweep(lc_conn *conn, uint64_t now_ns) {
    uint64_t timeout = conn->loop->config.timeout_ns;
    if ((conn->state == LC_CONN_CONNECTING || conn->state == LC_CONN_HANDSHAKE) && now_ns > conn->connect_ns &&
        now_ns - conn->connect_ns > timeout) {
        conn_connect_failed(conn, now_ns);
        return;
    }
    if (conn->inflight == 0) return;
    for (uint32_t i = 0; i < conn->max_inflight; i++) {
        const lc_inflight *slot = &conn->slots[i];
        /* sent_ns may be later than now_ns: requests queued since the caller read the clock */
        if (slot->next_free == UINT32_MAX && now_ns > slot->sent_ns && now_ns - slot->sent_ns > timeout) {
            lc_conn_fail(conn, LC_ERROR_TIMEOUT);
            return;
        }
    }
}
