#ifndef HELIO_CLIBPQ_SHIM_H
#define HELIO_CLIBPQ_SHIM_H
// libpq, imported whole; HelioPostgres is the only target that calls it.
#include <libpq-fe.h>
#include <poll.h>
#include <openssl/ssl.h>

// OpenSSL's read-ahead on a connection's TLS session (libpq's is OpenSSL's; Debian's libpq is
// built with it). Without it every TLS record costs two recv(2) calls, a header and a body,
// and a replication stream is one record per change: with it one recv(2) takes up to 16 KiB.
// Does nothing when the connection has no TLS session.
static inline void helio_pq_tls_set_read_ahead(PGconn *conn, int on) {
    SSL *ssl = (SSL *)PQsslStruct(conn, "OpenSSL");
    if (ssl != NULL) SSL_set_read_ahead(ssl, on);
}

// Whether OpenSSL reads ahead on the connection (0 without TLS).
static inline int helio_pq_tls_reads_ahead(PGconn *conn) {
    SSL *ssl = (SSL *)PQsslStruct(conn, "OpenSSL");
    return ssl != NULL && SSL_get_read_ahead(ssl);
}

// Whether OpenSSL holds bytes of the connection that libpq has not taken yet, decrypted or
// not (a complete record read ahead, or part of one). libpq's own waits look only at
// decrypted bytes (SSL_pending), so its blocking calls must not run while read-ahead holds
// complete records.
static inline int helio_pq_tls_has_pending(PGconn *conn) {
    SSL *ssl = (SSL *)PQsslStruct(conn, "OpenSSL");
    return ssl != NULL && SSL_has_pending(ssl);
}
#endif
