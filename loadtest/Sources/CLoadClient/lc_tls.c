/*
 * lc_tls.c: the TLS transport (OpenSSL 3) over the non-blocking socket.
 *
 * established() drives the handshake (0 while it needs more I/O) and, when it is done,
 * picks the connection's protocol from ALPN: h2 or http/1.1 (also when the server chose
 * none). read/write wrap SSL_read/SSL_write with read(2)/write(2) semantics, so the core
 * treats TLS like TCP: WANT_READ/WANT_WRITE become EAGAIN; edge-triggered events are safe
 * because the core reads until EAGAIN, which drains OpenSSL's buffered records too.
 *
 * Memory: one SSL_CTX per loop (lc_loop_create) and one SSL per connection, made when the
 * TCP connect finishes and freed when the connection closes.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "lc_internal.h"

#define COUNT(loop, field, n) atomic_fetch_add_explicit(&(loop)->counters.field, (n), memory_order_relaxed)

SSL_CTX *lc_tls_context_new(const lc_loop_config *config) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* ALPN wire format: length-prefixed names, preferred first. */
    static const unsigned char h2_and_h1[] = "\x02h2\x08http/1.1";
    static const unsigned char h1_only[] = "\x08http/1.1";
    int alpn = config->http2 ? SSL_CTX_set_alpn_protos(ctx, h2_and_h1, sizeof h2_and_h1 - 1)
                             : SSL_CTX_set_alpn_protos(ctx, h1_only, sizeof h1_only - 1);
    if (alpn != 0) goto fail;
    if (config->tls_verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int loaded = config->tls_ca_file ? SSL_CTX_load_verify_locations(ctx, config->tls_ca_file, NULL)
                                         : SSL_CTX_set_default_verify_paths(ctx);
        if (loaded != 1) goto fail;
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void lc_tls_context_free(SSL_CTX *ctx) { SSL_CTX_free(ctx); }

static int is_ip_literal(const char *name) {
    unsigned char addr[16];
    return inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
}

/* A fresh SSL for the connected socket: SNI for names, and what to verify. */
static SSL *tls_new(lc_conn *conn) {
    const lc_loop_config *config = &conn->loop->config;
    SSL *ssl = SSL_new(conn->loop->ssl_ctx);
    if (ssl == NULL || SSL_set_fd(ssl, conn->fd) != 1) { SSL_free(ssl); return NULL; }
    SSL_set_connect_state(ssl);
    const char *name = conn->loop->server_name;
    int ip = is_ip_literal(name);
    if (!ip) SSL_set_tlsext_host_name(ssl, name);
    if (config->tls_verify) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name) : X509_VERIFY_PARAM_set1_host(param, name, 0);
        if (ok != 1) { SSL_free(ssl); return NULL; }
    }
    return ssl;
}

static int tls_established(lc_conn *conn) {
    if (conn->ssl == NULL) {
        conn->ssl = tls_new(conn);
        if (conn->ssl == NULL) { COUNT(conn->loop, tls_failures, 1); return -1; }
    }
    ERR_clear_error();
    int r = SSL_do_handshake(conn->ssl);
    if (r != 1) {
        int error = SSL_get_error(conn->ssl, r);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return 0;
        COUNT(conn->loop, tls_failures, 1);
        return -1;
    }
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(conn->ssl, &proto, &len);
    conn->protocol = (len == 2 && memcmp(proto, "h2", 2) == 0) ? &lc_h2_protocol : &lc_http1_protocol;
    return 1;
}

/* Maps an SSL_read/SSL_write result to read(2)/write(2) semantics. */
static ssize_t tls_result(lc_conn *conn, int r) {
    if (r > 0) return r;
    int error = SSL_get_error(conn->ssl, r);
    switch (error) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0; /* close_notify */
    case SSL_ERROR_SYSCALL:
        if (errno == 0 || errno == EAGAIN || errno == EINTR) errno = ECONNRESET; /* EOF without close_notify */
        return -1;
    default:
        errno = EPROTO;
        return -1;
    }
}

static ssize_t tls_read(lc_conn *conn, char *buf, size_t len) {
    ERR_clear_error();
    errno = 0;
    return tls_result(conn, SSL_read(conn->ssl, buf, (int)(len > INT32_MAX ? INT32_MAX : len)));
}

static ssize_t tls_write(lc_conn *conn, const char *buf, size_t len) {
    ERR_clear_error();
    errno = 0;
    return tls_result(conn, SSL_write(conn->ssl, buf, (int)(len > INT32_MAX ? INT32_MAX : len)));
}

static void tls_shutdown(lc_conn *conn) {
    if (conn->ssl == NULL) return;
    SSL_free(conn->ssl); /* no close_notify: the socket closes next, and nothing is in flight */
    conn->ssl = NULL;
}

const lc_transport lc_tls_transport = {
    .name = "tls",
    .established = tls_established,
    .read = tls_read,
    .write = tls_write,
    .shutdown = tls_shutdown,
};
