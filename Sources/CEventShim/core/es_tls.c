/*
 * es_tls.c: OpenSSL 3 server contexts, per-connection TLS state and the non-blocking
 * handshake. Reading and writing through TLS is in es_io.c.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_core.h"
#include "es_tls.h"

struct es_tls_context {
    SSL_CTX *ssl_ctx;
    int offer_h2;
};

/* Mozilla's server-side TLS profiles (version 6): "intermediate" is TLS 1.2 and 1.3, "modern"
   TLS 1.3 only. Both take the same TLS 1.3 suites and the same key exchange groups.

   TLS 1.2 suites: the intermediate list, ECDHE key exchange with an AEAD cipher only (RFC
   9113 §9.2.2 forbids the rest for HTTP/2). */
static const char tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_suites[] = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
/* X448 and P-521 are left out, as the profiles do (OpenSSL offers them by default). */
static const char key_exchange_groups[] = "X25519:P-256:P-384";

/* ALPN: the server's preference wins (h2, then http/1.1). No overlap: carry on without
   ALPN, which means HTTP/1.1. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *out_len,
                       const unsigned char *in, unsigned int in_len, void *arg) {
    (void)ssl;
    const es_tls_context *tls = arg;
    static const unsigned char h2[] = "\x02h2";
    static const unsigned char http11[] = "\x08http/1.1";
    const unsigned char *preferences[2] = {h2, http11};
    for (int p = tls->offer_h2 ? 0 : 1; p < 2; p++) {
        const unsigned char *want = preferences[p];
        for (unsigned int i = 0; i < in_len; i += 1u + in[i]) {
            if (i + 1u + in[i] > in_len) break;
            if (in[i] == want[0] && memcmp(in + i + 1, want + 1, want[0]) == 0) {
                *out = in + i + 1;
                *out_len = in[i];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static void put_error(char *error, size_t error_len, const char *what) {
    if (error == NULL || error_len == 0) return;
    unsigned long code = ERR_get_error();
    char reason[256] = "";
    if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
    snprintf(error, error_len, "%s%s%s", what, reason[0] ? ": " : "", reason);
    ERR_clear_error();
}

es_tls_context *es_tls_context_create(const char *cert_file, const char *key_file, int offer_h2,
                                      es_tls_profile profile, char *error, size_t error_len) {
    /* OpenSSL writes to the socket with write(2), not send(MSG_NOSIGNAL): a peer that has
       gone would raise SIGPIPE and end the process. The error comes back as EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) { put_error(error, error_len, "cannot create a TLS context"); return NULL; }
    int min_version = profile == ES_TLS_PROFILE_MODERN ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1) {
        put_error(error, error_len, "cannot set the lowest TLS version");
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* Partial writes and a moving buffer fit the loop's write buffer, which may grow or
       shift between a WANT_WRITE and the retry. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                          SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1) {
        put_error(error, error_len, "cannot set the TLS 1.2 ciphers");
        goto fail;
    }
    if (SSL_CTX_set_ciphersuites(ctx, tls13_suites) != 1) {
        put_error(error, error_len, "cannot set the TLS 1.3 cipher suites");
        goto fail;
    }
    if (SSL_CTX_set1_groups_list(ctx, key_exchange_groups) != 1) {
        put_error(error, error_len, "cannot set the key exchange groups");
        goto fail;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        put_error(error, error_len, "cannot load the certificate");
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        put_error(error, error_len, "cannot load the private key");
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        put_error(error, error_len, "the private key does not match the certificate");
        goto fail;
    }
    es_tls_context *tls = calloc(1, sizeof *tls);
    if (tls == NULL) goto fail;
    tls->ssl_ctx = ctx;
    tls->offer_h2 = offer_h2;
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, tls);
    /* One TLS 1.3 session ticket per handshake, not OpenSSL's two: a client resumes with one. */
    SSL_CTX_set_num_tickets(ctx, 1);
    return tls;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void es_tls_context_free(es_tls_context *tls) {
    if (tls == NULL) return;
    SSL_CTX_free(tls->ssl_ctx);
    free(tls);
}

int es_tls_attach(es_conn *conn, es_tls_context *tls) {
    SSL *ssl = SSL_new(tls->ssl_ctx);
    if (ssl == NULL) return -1;
    if (SSL_set_fd(ssl, conn->fd) != 1) { SSL_free(ssl); return -1; }
    SSL_set_accept_state(ssl);
    conn->ssl = ssl;
    conn->tls = 1;
    return 0;
}

int es_tls_handshake(es_conn *conn) {
    ERR_clear_error();
    int r = SSL_do_handshake(conn->ssl);
    if (r == 1) return 1;
    switch (SSL_get_error(conn->ssl, r)) {
    case SSL_ERROR_WANT_READ: conn->readable = 0; return 0;
    case SSL_ERROR_WANT_WRITE: conn->writable = 0; return 0;
    default: ERR_clear_error(); return -1;
    }
}

int es_tls_selected_h2(const es_conn *conn) {
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(conn->ssl, &proto, &len);
    return len == 2 && memcmp(proto, "h2", 2) == 0;
}
