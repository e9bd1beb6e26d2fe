/*
 * es_tls.h: the TLS server configuration shared by a server's loops.
 *
 * Policy (RFC 9113 §9.2 and Mozilla's server-side TLS guidelines): the intermediate profile
 * takes TLS 1.2 and 1.3, TLS 1.2 limited to AEAD ciphers with ephemeral (ECDHE) key exchange;
 * the modern profile takes TLS 1.3 only. Both exchange keys over X25519, P-256 or P-384
 * only; no renegotiation, no compression;
 * ALPN "h2" then "http/1.1", in the server's order of preference. A peer that closes TCP
 * without close_notify is treated as a normal end of stream.
 */
#ifndef ES_TLS_H
#define ES_TLS_H

#include <stddef.h>
#include "es_loop.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which of Mozilla's server-side TLS profiles a context follows. */
typedef enum es_tls_profile {
    ES_TLS_PROFILE_INTERMEDIATE = 0, /* TLS 1.2 and 1.3 */
    ES_TLS_PROFILE_MODERN = 1,       /* TLS 1.3 only */
} es_tls_profile;

/**
 * Loads a PEM certificate chain and private key. On failure returns NULL and writes
 * OpenSSL's reason into error (NUL-terminated, truncated to error_len).
 * `offer_h2` = 0 offers only http/1.1 through ALPN.
 */
es_tls_context *es_tls_context_create(const char *cert_file, const char *key_file, int offer_h2,
                                      es_tls_profile profile, char *error, size_t error_len);

/** Frees the context once every loop that used it was destroyed. */
void es_tls_context_free(es_tls_context *tls);

#ifdef __cplusplus
}
#endif
#endif /* ES_TLS_H */
