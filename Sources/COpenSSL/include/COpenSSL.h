// System-library shim for OpenSSL 3 (Debian: libssl-dev).
//
// OpenSSL exposes several operations as function-like macros, which Swift cannot
// call. Each gets a `static inline`, `loom_`-prefixed wrapper here. Only LoomTLS
// imports this module.
#ifndef C_LOOM_OPENSSL_H
#define C_LOOM_OPENSSL_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
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
static inline long loom_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline void loom_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

// MARK: Option and mode constants (some are wider than a C int and import poorly)
static inline uint64_t loom_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t loom_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t loom_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t loom_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline long loom_SSL_MODE_RELEASE_BUFFERS(void) { return SSL_MODE_RELEASE_BUFFERS; }
static inline long loom_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline long loom_SSL_MODE_NO_AUTO_CHAIN(void) { return SSL_MODE_NO_AUTO_CHAIN; }
static inline long loom_SSL_SESS_CACHE_OFF(void) { return SSL_SESS_CACHE_OFF; }

/// The TLS alert the peer sent, when `code` (an error-queue entry) reports one; -1 otherwise.
static inline int loom_ERR_peer_alert(unsigned long code) {
    int reason = ERR_GET_REASON(code);
    if (ERR_GET_LIB(code) != ERR_LIB_SSL || reason < SSL_AD_REASON_OFFSET || reason > SSL_AD_REASON_OFFSET + 255) {
        return -1;
    }
    return reason - SSL_AD_REASON_OFFSET;
}

// MARK: subjectAltName access (the sk_GENERAL_NAME_* accessors are macro-generated)

/// The subjectAltName entries of `cert`, or NULL when it has none. Free with `loom_GENERAL_NAMES_free`.
static inline GENERAL_NAMES *loom_X509_get_subject_alt_names(X509 *cert) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}
static inline void loom_GENERAL_NAMES_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }
static inline int loom_GENERAL_NAMES_count(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }

/// The type (GEN_URI, GEN_DNS, GEN_IPADD, ...) of entry `index`; for string-like types, `*data`/`*length`
/// receive the raw bytes (IA5String text, or 4/16 address bytes for GEN_IPADD). Returns -1 when out of range.
static inline int loom_GENERAL_NAMES_entry(const GENERAL_NAMES *names, int index, const unsigned char **data, int *length) {
    *data = NULL;
    *length = 0;
    if (index < 0 || index >= sk_GENERAL_NAME_num(names)) { return -1; }
    const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, index);
    switch (name->type) {
    case GEN_URI:
        *data = ASN1_STRING_get0_data(name->d.uniformResourceIdentifier);
        *length = ASN1_STRING_length(name->d.uniformResourceIdentifier);
        break;
    case GEN_DNS:
        *data = ASN1_STRING_get0_data(name->d.dNSName);
        *length = ASN1_STRING_length(name->d.dNSName);
        break;
    case GEN_EMAIL:
        *data = ASN1_STRING_get0_data(name->d.rfc822Name);
        *length = ASN1_STRING_length(name->d.rfc822Name);
        break;
    case GEN_IPADD:
        *data = ASN1_STRING_get0_data(name->d.iPAddress);
        *length = ASN1_STRING_length(name->d.iPAddress);
        break;
    default:
        break;
    }
    return name->type;
}

static inline int loom_GEN_URI(void) { return GEN_URI; }
static inline int loom_GEN_DNS(void) { return GEN_DNS; }
static inline int loom_GEN_IPADD(void) { return GEN_IPADD; }

/// Number of certificates in a peer chain stack.
static inline int loom_X509_stack_count(const STACK_OF(X509) *chain) { return chain == NULL ? 0 : sk_X509_num(chain); }

#endif
