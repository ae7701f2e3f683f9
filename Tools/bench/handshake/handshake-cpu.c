/*
 * CPU per mutual-TLS 1.3 handshake in libssl alone (no sockets, no Swift): a client and a server SSL object
 * pumped against each other through a BIO pair, with the settings LoomTLS uses (SSLContextBox.swift).
 * The thread CPU time spent in each side's SSL calls is summed separately.
 *
 *   handshake-cpu CERT_DIR COUNT [auto-chain]
 *
 * CERT_DIR holds Tools/dev-certs output. With "auto-chain", SSL_MODE_NO_AUTO_CHAIN is left off (OpenSSL's
 * default), to show what it costs: each side rebuilds and verifies its own chain from the trust store on every
 * handshake and sends the root too, which the peer then parses.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double thread_cpu_micros(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec * 1e6 + now.tv_nsec / 1e3;
}

static SSL_CTX *make_context(int server, const char *dir, int auto_chain) {
    char chain[1024], key[1024], ca[1024];
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(chain, sizeof chain, "%s/%s.pem", dir, server ? "server" : "client-operator");
    snprintf(key, sizeof key, "%s/%s.key", dir, server ? "server" : "client-operator");
    SSL_CTX *context = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION);
    SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE
                                     | SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                                  | (auto_chain ? 0 : SSL_MODE_NO_AUTO_CHAIN));
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(context, 0);
    SSL_CTX_set_ciphersuites(context, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
    if (SSL_CTX_use_certificate_chain_file(context, chain) != 1 || SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_load_verify_locations(context, ca, NULL) != 1) {
        ERR_print_errors_fp(stderr);
        exit(1);
    }
    if (server) {
        SSL_CTX_set_client_CA_list(context, SSL_load_client_CA_file(ca));
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    } else {
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    }
    return context;
}

/* One handshake step of `ssl`; returns 1 when its handshake is done. */
static int step(SSL *ssl, double *cpu) {
    double start = thread_cpu_micros();
    int result = SSL_do_handshake(ssl);
    *cpu += thread_cpu_micros() - start;
    if (result == 1) return 1;
    if (SSL_get_error(ssl, result) != SSL_ERROR_WANT_READ) {
        ERR_print_errors_fp(stderr);
        exit(1);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: handshake-cpu CERT_DIR COUNT [auto-chain]\n");
        return 2;
    }
    int count = atoi(argv[2]);
    int auto_chain = argc > 3 && strcmp(argv[3], "auto-chain") == 0;
    SSL_CTX *server_context = make_context(1, argv[1], auto_chain);
    SSL_CTX *client_context = make_context(0, argv[1], auto_chain);
    double client_cpu = 0, server_cpu = 0;
    for (int i = 0; i < count; i++) {
        SSL *server = SSL_new(server_context), *client = SSL_new(client_context);
        BIO *server_bio, *client_bio;
        BIO_new_bio_pair(&server_bio, 0, &client_bio, 0);
        SSL_set_bio(server, server_bio, server_bio);
        SSL_set_bio(client, client_bio, client_bio);
        SSL_set_accept_state(server);
        SSL_set_connect_state(client);
        SSL_set_tlsext_host_name(client, "localhost");
        SSL_set1_host(client, "localhost");
        int client_done = 0, server_done = 0;
        for (int round = 0; round < 10 && !(client_done && server_done); round++) {
            if (!client_done) client_done = step(client, &client_cpu);
            if (!server_done) server_done = step(server, &server_cpu);
        }
        if (!(client_done && server_done)) {
            fprintf(stderr, "handshake did not finish\n");
            return 1;
        }
        SSL_free(client);
        SSL_free(server);
    }
    printf("%s: client %.0f µs + server %.0f µs = %.0f µs CPU per mTLS 1.3 handshake (%d handshakes, %s)\n",
           auto_chain ? "auto-chain (OpenSSL default)" : "LoomTLS settings", client_cpu / count, server_cpu / count,
           (client_cpu + server_cpu) / count, count, OpenSSL_version(OPENSSL_VERSION));
    return 0;
}
