/*
 * es_accept.c: taking connections from the loop's listeners: accept4 in batches, the
 * connection limit (a cleartext client over it hears 503 before the close), TCP_NODELAY,
 * TLS state for TLS listeners, one edge-triggered registration, and the first timer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_core.h"

enum { ES_ACCEPT_BATCH = 128 }; /* accepts per pass, so one busy listener can't starve */

/* The 503 a cleartext client gets over the connection limit. No protocol has been chosen
   yet, so it is an HTTP/1.1 answer (an HTTP/2 client sees a bad preface reply and closes),
   with the body every error has. */
static void refuse_over_limit(int fd) {
    es_error_body body;
    size_t body_len = es_error_body_write(body.bytes, sizeof body.bytes, "too_many_connections",
                                          "The server is at its connection limit");
    char answer[256 + sizeof body.bytes];
    int len = snprintf(answer, sizeof answer,
                       "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                       "Cache-Control: no-store\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: %zu\r\n\r\n%.*s",
                       body_len, (int)body_len, body.bytes);
    if (len <= 0 || (size_t)len >= sizeof answer) return;
    /* One non-blocking send into an empty socket buffer, so it cannot block. */
    ssize_t ignored = send(fd, answer, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
}

static void accept_from(es_loop *loop, es_listener *listener) {
    for (int i = 0; i < ES_ACCEPT_BATCH; i++) {
        int fd = accept4(listener->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            /* EAGAIN: drained. EMFILE and the like: wait for the next edge rather than spin. */
            listener->readable = 0;
            return;
        }
        uint32_t max = loop->config.max_connections;
        if (max != 0 && atomic_load_explicit(&loop->connection_count, memory_order_relaxed) >= max) {
            /* Over the limit: a cleartext client hears why (one non-blocking send into an
               empty socket buffer, so it cannot block); a TLS client just sees the close. */
            if (listener->tls == NULL) {
                refuse_over_limit(fd);
                shutdown(fd, SHUT_WR);
            }
            close(fd);
            continue;
        }
        es_conn *conn = calloc(1, sizeof *conn);
        if (conn == NULL) { close(fd); continue; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn->io_kind = ES_IO_CONN;
        conn->fd = fd;
        conn->loop = loop;
        conn->id = ++loop->next_conn_id;
        conn->writable = 1;
        if (listener->tls != NULL) {
            if (es_tls_attach(conn, listener->tls) != 0) { close(fd); free(conn); continue; }
            conn->state = ES_CONN_HANDSHAKE; /* ALPN picks the protocol (es_conn.c) */
        }
        struct epoll_event ev = {
            .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
            .data.ptr = conn,
        };
        if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            es_io_release(conn);
            close(fd);
            free(conn);
            continue;
        }
        atomic_fetch_add_explicit(&loop->connection_count, 1, memory_order_relaxed);
        if (conn->tls) {
            es_timer_set(loop, conn, ES_TIMER_HANDSHAKE, 1);
            es_conn_notify(conn, ES_CONNECTION_OPENED);
        } else {
            /* Cleartext starts as HTTP/1.1, which hands the connection to HTTP/2 when its
               first bytes are the client preface. */
            es_conn_notify(conn, ES_CONNECTION_OPENED);
            es_conn_start(conn, ES_PROTO_HTTP1);
        }
    }
    /* batch full: carry on next iteration */
}

void es_conn_accept_all(es_loop *loop) {
    int any = 0;
    for (uint32_t i = 0; i < loop->listener_count; i++) {
        es_listener *listener = &loop->listeners[i];
        if (!listener->readable || listener->fd < 0) continue;
        accept_from(loop, listener);
        any |= listener->readable;
    }
    loop->listener_readable = any;
}
