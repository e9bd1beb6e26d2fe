/*
 * es_io.c: a connection's byte transport: the socket itself, or OpenSSL over it.
 *
 * Both directions report the same four outcomes (bytes, ES_IO_EOF, ES_IO_AGAIN,
 * ES_IO_FAILED) and clear the connection's readiness flag on AGAIN, so es_conn.c and
 * the protocols never see which transport they use.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "es_core.h"

long es_io_read(es_conn *conn, char *buf, size_t len) {
    if (conn->ssl == NULL) {
        for (;;) {
            ssize_t n = read(conn->fd, buf, len);
            if (n >= 0) return n;
            if (errno == EINTR) continue;
            if (errno == EAGAIN) { conn->readable = 0; return ES_IO_AGAIN; }
            return ES_IO_FAILED;
        }
    }
    if (len > INT32_MAX) len = INT32_MAX;
    ERR_clear_error();
    int n = SSL_read(conn->ssl, buf, (int)len);
    if (n > 0) return n;
    switch (SSL_get_error(conn->ssl, n)) {
    case SSL_ERROR_WANT_READ: conn->readable = 0; return ES_IO_AGAIN;
    case SSL_ERROR_WANT_WRITE: conn->writable = 0; return ES_IO_AGAIN;
    case SSL_ERROR_ZERO_RETURN: return ES_IO_EOF; /* close_notify, or a bare TCP close */
    default: ERR_clear_error(); return ES_IO_FAILED;
    }
}

long es_io_write(es_conn *conn, const char *buf, size_t len) {
    if (conn->ssl == NULL) {
        for (;;) {
            /* send, not write: MSG_NOSIGNAL turns a vanished peer into EPIPE, not SIGPIPE. */
            ssize_t n = send(conn->fd, buf, len, MSG_NOSIGNAL);
            if (n >= 0) return n;
            if (errno == EINTR) continue;
            if (errno == EAGAIN) { conn->writable = 0; return ES_IO_AGAIN; }
            return ES_IO_FAILED;
        }
    }
    if (len > INT32_MAX) len = INT32_MAX;
    ERR_clear_error();
    int n = SSL_write(conn->ssl, buf, (int)len);
    if (n > 0) return n;
    switch (SSL_get_error(conn->ssl, n)) {
    case SSL_ERROR_WANT_WRITE: conn->writable = 0; return ES_IO_AGAIN;
    case SSL_ERROR_WANT_READ: conn->readable = 0; return ES_IO_AGAIN;
    default: ERR_clear_error(); return ES_IO_FAILED;
    }
}

/* Sends close_notify once, without waiting for the peer's (RFC 8446 §6.1 allows closing
   after sending it), and frees the TLS state. The caller closes the fd. */
void es_io_release(es_conn *conn) {
    if (conn->ssl == NULL) return;
    if (conn->fd >= 0 && !conn->peer_gone && SSL_is_init_finished(conn->ssl)) {
        ERR_clear_error();
        SSL_shutdown(conn->ssl);
        ERR_clear_error();
    }
    SSL_free(conn->ssl);
    conn->ssl = NULL;
}
