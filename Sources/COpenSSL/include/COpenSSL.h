// System-library shim for OpenSSL 3 (Debian: libssl-dev).
//
// OpenSSL exposes several operations as function-like macros, which Swift cannot
// call. Each gets a `static inline`, `loom_`-prefixed wrapper here. Only LoomTLS
// imports this module.
#ifndef C_LOOM_OPENSSL_H
#define C_LOOM_OPENSSL_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static inline long loom_BIO_pending(BIO *bio) { return (long)BIO_pending(bio); }
static inline long loom_BIO_set_mem_eof_return(BIO *bio, int value) { return BIO_set_mem_eof_return(bio, value); }
static inline int loom_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int loom_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline int loom_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline long loom_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }

#endif
