/*
 * lc_tcp.c: the plain TCP transport: bytes go straight to the socket.
 */
#include <sys/socket.h>
#include "lc_internal.h"

static int tcp_established(lc_conn *conn) {
    (void)conn;
    return 1;
}

static ssize_t tcp_read(lc_conn *conn, char *buf, size_t len) { return recv(conn->fd, buf, len, 0); }

static ssize_t tcp_write(lc_conn *conn, const char *buf, size_t len) {
    return send(conn->fd, buf, len, MSG_NOSIGNAL);
}

static void tcp_shutdown(lc_conn *conn) { (void)conn; }

const lc_transport lc_tcp_transport = {
    .name = "tcp",
    .established = tcp_established,
    .read = tcp_read,
    .write = tcp_write,
    .shutdown = tcp_shutdown,
};
