/* lab.c - lab 10, TLS with OpenSSL: the list of checks. Each runs the
 * student's tls_client against the grader's fake TLS server presenting a
 * certificate of the test CA (kit/ca.h), made at run time; cases.c says
 * what each presents, client.c judges the run. */
#include "lab10.h"

static const char *const steps[] = {
    "",
    "a verified connection",
    "certificates refused",
    "how it ends, and its limits",
    "a TLS server",
    "a server that holds",
};

#define SERVER_FILES "{port} {docroot}/server.pem {docroot}/server.key"
static const gr_program server_v13 = {
    "./tls_echo_server --chain {docroot}/intermediate.pem --min-version 1.3 " SERVER_FILES, NULL};

#define REFUSAL(name, what, hint_text, arg)                                                        \
    {                                                                                              \
        .ck_name = name, .ck_step = 2, .ck_kind = GR_CLIENT, .ck_points = 5,                       \
        .ck_deadline_ms = 10000, .ck_summary = what, .ck_hint = hint_text,                         \
        .ck_run = lab10_check_client, .ck_arg = &(arg)                                             \
    }

static const gr_check checks[] = {
    {.ck_name = "client-echo",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "a verified handshake with the test CA's chain, SNI localhost, the line sent "
                   "and the reply printed, close_notify at the end",
     .ck_hint = "Verification is two things: the chain up to a trusted root (SSL_CTX_set_verify("
                "ctx, SSL_VERIFY_PEER, NULL) and SSL_CTX_load_verify_locations() for --cafile), "
                "and the name (SSL_set1_host()); SNI is a third, SSL_set_tlsext_host_name(), so "
                "that a server with many names picks the right certificate. In Python: "
                "ssl.create_default_context(cafile=...), then wrap_socket(sock, "
                "server_hostname=name).",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_echo},
    {.ck_name = "client-ip",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "HOST 127.0.0.1 with no --servername: verified against the certificate's IP "
                   "entry",
     .ck_hint = "An IP address is checked against the certificate's IP entries (subjectAltName "
                "IP:127.0.0.1), not its DNS names, and is never sent as SNI (RFC 6066). In C: "
                "inet_pton() says it is an address; then X509_VERIFY_PARAM_set1_ip_asc("
                "SSL_get0_param(ssl), host) instead of SSL_set1_host(). In Python: "
                "server_hostname='127.0.0.1' does both.",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_ip},
    {.ck_name = "client-facts",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "stderr says the version, the cipher, and the certificate's subject, issuer, "
                   "names and validity",
     .ck_hint = "After the handshake the session can say what it is: SSL_get_version(), "
                "SSL_CIPHER_get_name(SSL_get_current_cipher()), and from "
                "SSL_get1_peer_certificate(): X509_get_subject_name(), X509_get_issuer_name(), "
                "the subjectAltName extension, X509_get0_notAfter(). In Python: ssock.version(), "
                "ssock.cipher(), ssock.getpeercert().",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_facts},
    REFUSAL("client-expired", "an expired certificate: exit 4, \"certificate has expired\"",
            "A certificate is valid only between notBefore and notAfter; OpenSSL's verifier "
            "checks both when SSL_VERIFY_PEER is set, and SSL_get_verify_result() then says "
            "why: print X509_verify_cert_error_string() of it and exit 4. In Python: except "
            "ssl.SSLCertVerificationError as e: print(e.verify_message).",
            lab10_expired),
    REFUSAL("client-notyet", "a certificate valid only from tomorrow: exit 4, \"not yet valid\"",
            "notBefore in the future is as bad as notAfter in the past. In C: the verifier "
            "says X509_V_ERR_CERT_NOT_YET_VALID; print X509_verify_cert_error_string() of "
            "SSL_get_verify_result(). In Python: e.verify_message.",
            lab10_notyet),
    REFUSAL("client-wrongname", "a certificate for wrong.example: exit 4, \"hostname mismatch\"",
            "A valid chain proves who the certificate is for, not that it is the server you "
            "asked for: check the name. In C: SSL_set1_host(ssl, name) before SSL_connect() "
            "(without it any trusted certificate passes). In Python: check_hostname stays "
            "True, and server_hostname= is the name.",
            lab10_wrongname),
    REFUSAL("client-selfsigned", "a self-signed certificate: exit 4, \"self-signed certificate\"",
            "A certificate that signs itself proves nothing unless it is one you trust. In C: "
            "SSL_VERIFY_PEER, and never a verify callback that returns 1. In Python: never "
            "ctx.verify_mode = ssl.CERT_NONE.",
            lab10_selfsigned),
    REFUSAL("client-untrusted",
            "a chain from a root not in --cafile: exit 4, \"unable to get "
            "local issuer certificate\"",
            "Only the roots in --cafile (or the system's store, without it) are trusted. In "
            "C: SSL_CTX_load_verify_locations(ctx, cafile, NULL), and only it when --cafile "
            "is given. In Python: create_default_context(cafile=...).",
            lab10_untrusted),
    REFUSAL("client-incomplete",
            "a leaf sent without its intermediate: exit 4, \"unable to get local issuer\"",
            "The client holds the root only; the server must send the intermediate that "
            "links its leaf to it, and a chain with a gap fails. In C: nothing to add but "
            "verification and the reason; the same gap in your own server is "
            "SSL_CTX_use_certificate_chain_file(). In Python: e.verify_message.",
            lab10_incomplete),
    REFUSAL("client-notca",
            "a leaf signed by an intermediate that is not a CA: exit 4, \"invalid CA\"",
            "Only a certificate with basicConstraints CA:TRUE may sign others; OpenSSL's "
            "verifier enforces it (X509_V_ERR_INVALID_CA). In C: keep the verifier's "
            "verdict, never override it in a callback. In Python: the default context does.",
            lab10_notca),
    REFUSAL("client-purpose",
            "a leaf for client authentication only: exit 4, \"unsupported certificate purpose\"",
            "extendedKeyUsage says what a key is for; a serverAuth-less leaf must not "
            "identify a server (X509_V_ERR_INVALID_PURPOSE). In C: the client's default "
            "purpose is sslserver; do not lower it with X509_VERIFY_PARAM_set_purpose(). In "
            "Python: the default context checks it.",
            lab10_purpose),
    {.ck_name = "client-truncated",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "the reply, then the TCP stream ends without close_notify: exit 6, never "
                   "a success",
     .ck_hint = "Anyone on the path can end a TCP stream; only close_notify, inside TLS, "
                "proves the server meant to stop (a truncation attack cuts a reply short). In "
                "C: SSL_read() returning SSL_ERROR_ZERO_RETURN is the clean end; an EOF "
                "without it (SSL_R_UNEXPECTED_EOF_WHILE_READING, or SSL_ERROR_SYSCALL) is exit "
                "6. In Python: wrap_socket(..., suppress_ragged_eofs=False), and catch "
                "ssl.SSLEOFError.",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_truncated},
    {.ck_name = "client-min-version",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "--min-version 1.3 against a server that stops at TLS 1.2: exit 5",
     .ck_hint = "A floor on the version is the client's own: TLS 1.2 without it, or 1.3 when "
                "asked, whatever the server offers. In C: SSL_CTX_set_min_proto_version(ctx, "
                "TLS1_3_VERSION). In Python: ctx.minimum_version = "
                "ssl.TLSVersion.TLSv1_3.",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_min_version},
    {.ck_name = "client-old-version",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "no --min-version, against a server that stops at TLS 1.1: exit 5, the "
                   "version named",
     .ck_hint = "TLS 1.0 and 1.1 are deprecated (RFC 8996): a client's floor is 1.2 unless told "
                "higher, and nothing lowers it. In C: SSL_CTX_set_min_proto_version(ctx, "
                "TLS1_2_VERSION), never a security level of 0. In Python: "
                "ctx.minimum_version = ssl.TLSVersion.TLSv1_2, and no @SECLEVEL=0 in "
                "set_ciphers().",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_old_version},
    {.ck_name = "client-timeout",
     .ck_step = 3,
     .ck_kind = GR_CLIENT,
     .ck_points = 6,
     .ck_deadline_ms = 8000,
     .ck_summary = "a server that accepts and never answers the ClientHello: exit 7 after "
                   "--timeout",
     .ck_hint = "A handshake is reads and writes, and each can wait forever. In C: "
                "SO_RCVTIMEO and SO_SNDTIMEO on the socket before SSL_connect(); an SSL_connect() "
                "failing with SSL_ERROR_SYSCALL and errno EAGAIN is exit 7. In Python: "
                "sock.settimeout(s) before wrap_socket(), and catch TimeoutError.",
     .ck_run = lab10_check_client,
     .ck_arg = &lab10_timeout},
    {.ck_name = "server-echo",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "20 kB echoed over TLS, then close_notify after the client's",
     .ck_hint = "A TLS server is the echo server of lab 05 with SSL_read() and SSL_write() in "
                "place of recv() and send(), after SSL_accept(): on a non-blocking socket each "
                "may say SSL_ERROR_WANT_READ or WANT_WRITE, which mean \"wait for the socket, "
                "then call again\". In Python: ctx.wrap_socket(conn, server_side=True).",
     .ck_run = lab10_check_server_echo},
    {.ck_name = "server-chain",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a client that trusts only the root verifies: the server sends its "
                   "intermediate",
     .ck_hint = "The server sends its certificate and every intermediate up to (not "
                "including) the root. In C: SSL_CTX_use_certificate_chain_file(), and "
                "SSL_CTX_add0_chain_cert() for each certificate of --chain. In Python: "
                "load_cert_chain() of a file with the leaf, then the intermediate.",
     .ck_run = lab10_check_server_chain},
    {.ck_name = "server-openssl",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "a real peer: openssl s_client -verify_return_error, trusting only the root, "
                   "verifies the server",
     .ck_hint = "OpenSSL's own client is the reference: with -CAfile holding the root only and "
                "-verify_return_error it refuses a server whose chain does not reach the root. "
                "Run it by hand: openssl s_client -connect 127.0.0.1:PORT -CAfile ca.pem "
                "-verify_return_error -servername localhost -brief. In C: send the intermediate "
                "(SSL_CTX_use_certificate_chain_file()). In Python: load_cert_chain() of the "
                "chain file.",
     .ck_run = lab10_check_server_openssl},
    {.ck_name = "server-min-version",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "--min-version 1.3: a TLS 1.2 client refused with the protocol_version "
                   "alert, a TLS 1.3 one served",
     .ck_hint = "A floor on the version is SSL_CTX_set_min_proto_version(ctx, "
                "TLS1_3_VERSION); OpenSSL then answers an older client with the "
                "protocol_version alert. In Python: ctx.minimum_version = "
                "ssl.TLSVersion.TLSv1_3.",
     .ck_run = lab10_check_server_min_version,
     .ck_program = &server_v13},
    {.ck_name = "server-old-version",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "no --min-version: a client that stops at TLS 1.1 refused with the "
                   "protocol_version alert, a TLS 1.2 one served",
     .ck_hint = "The default floor is TLS 1.2 (RFC 8996 deprecates 1.0 and 1.1), set on "
                "purpose: OpenSSL's security level refuses an old client too, but with another "
                "alert, for another reason. In C: SSL_CTX_set_min_proto_version(ctx, "
                "TLS1_2_VERSION). In Python: ctx.minimum_version = ssl.TLSVersion.TLSv1_2.",
     .ck_run = lab10_check_server_old_version},
    {.ck_name = "server-key-secret",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 1,
     .ck_deadline_ms = 10000,
     .ck_summary = "after a client served and one refused, not a line of the private key on the "
                   "server's stdout or stderr",
     .ck_hint = "The key is the server's identity: whoever reads it can be the server. Log the "
                "certificate's subject, never the key, nor a debug dump of the file. In C: "
                "print nothing of what PEM_read or SSL_CTX_use_PrivateKey_file() loaded. In "
                "Python: no print() of the key file, no ssl debug traces on stderr.",
     .ck_run = lab10_check_server_key_secret},
    {.ck_name = "server-large",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "1 MiB echoed to a client that reads 64 KiB at a time: every SSL_write "
                   "that must wait is tried again",
     .ck_hint = "When the client reads slowly, SSL_write() says SSL_ERROR_WANT_WRITE; call it "
                "again, when the socket is writable, with the same buffer and the same length "
                "(OpenSSL checks: \"bad write retry\"), and read no more meanwhile. In "
                "Python: asyncio's SSL transport does it; with raw sockets, retry sendall().",
     .ck_run = lab10_check_server_large},
    {.ck_name = "server-stalled",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through its ClientHello: others served "
                   "meanwhile, and it is dropped after --handshake-timeout",
     .ck_hint = "A blocking SSL_accept() waits for the stalled client, and everyone behind it "
                "waits too. In C: non-blocking sockets, the handshake driven by the epoll loop "
                "(SSL_do_handshake() again on each event), a deadline per connection. In "
                "Python: a thread per connection, or asyncio, with a timeout on the handshake.",
     .ck_run = lab10_check_server_stalled},
    {.ck_name = "server-plaintext",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "an HTTP request in plaintext: the connection ends, and the server serves "
                   "the next client",
     .ck_hint = "Bytes that are not TLS make the handshake fail: drop that connection, and "
                "only it. In C: SSL_do_handshake() failing with SSL_ERROR_SSL closes the "
                "connection, never the server (and a log line says why). In Python: catch "
                "ssl.SSLError around the handshake.",
     .ck_run = lab10_check_server_plaintext},
    {.ck_name = "server-vanish",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "clients that reset mid-handshake and mid-stream: the server serves the "
                   "next one",
     .ck_hint = "A peer may vanish at any point: SSL_read() or SSL_write() then fail with "
                "SSL_ERROR_SYSCALL (ECONNRESET, EPIPE). Close that connection; ignore SIGPIPE "
                "(signal(SIGPIPE, SIG_IGN)) so that a write to a reset socket does not kill "
                "the server. In Python: catch OSError per connection.",
     .ck_run = lab10_check_server_vanish},
    {.ck_name = "server-idle-cpu",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 15000,
     .ck_summary = "four clients quiet and one stalled in its handshake: no CPU time used over "
                   "a second, then an echo",
     .ck_hint = "\"Try again\" means wait, not call again at once: after SSL_ERROR_WANT_READ, "
                "wait until the socket is readable (EPOLLIN), after WANT_WRITE until it is "
                "writable, then repeat the call. In C: epoll_wait(epfd, evs, n, timeout) with "
                "the nearest handshake deadline, never a loop around SSL_read(). In Python: "
                "selectors, or a blocking socket per thread.",
     .ck_run = lab10_check_server_idle_cpu},
};

const gr_lab gr_lab10 = {
    .lab_id = "10",
    .lab_name = "tls",
    .lab_title = "TLS with OpenSSL",
    .lab_server_cmd =
        "./tls_echo_server --chain {docroot}/intermediate.pem --handshake-timeout 2 " SERVER_FILES,
    .lab_client_cmd = "./tls_client",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_docroot = lab10_certs,
};
