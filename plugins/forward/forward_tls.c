/* TLS on either side of the relay, with OpenSSL driven non-blocking:
 * every call either moves bytes or says which readiness of its socket
 * it waits for (WANT_READ / WANT_WRITE, in either direction: a read may
 * have to write, a write may have to read), and the relay watches for
 * that, as HAProxy's ssl_sock.c does. The handshake is not a separate
 * phase: the first SSL_read/SSL_write drives it.
 *
 * The contexts are made when the configuration is read, so a missing
 * certificate, a key that does not match it or a CA file that does not
 * load is an error of create(), named at its key.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "forward.h"

/* Modern defaults: TLS 1.2 with forward secrecy and AEAD only (TLS 1.3
 * suites are all of that already); tls_ciphers replaces the 1.2 list. */
/* What one read() from a TLS socket may take: four full records. */
#define TLS_READ_AHEAD (4 * (16384 + 512))
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"

/* The reason OpenSSL queued, or the verification result when that is why. */
static void tls_reason(SSL *ssl, char *why, size_t len)
{
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (v != X509_V_OK)
		snprintf(why, len, "certificate verify failed: %s", X509_verify_cert_error_string(v));
	else
		snprintf(why, len, "%s", r ? r : "TLS error");
	ERR_clear_error();
}

static int ctx_error(nh_error *err, const char *what)
{
	char why[200];

	tls_reason(NULL, why, sizeof(why));
	return nh_error_set(err, EINVAL, "%s: %s", what, why);
}

/* A file OpenSSL would fail on with "system lib": say why ourselves. */
static int unreadable(const char *path, nh_error *err)
{
	FILE *fp = fopen(path, "r");

	if (fp) {
		fclose(fp);
		return 0;
	}
	return nh_error_set(err, errno, "'%s': %s", path, strerror(errno));
}

static SSL_CTX *ctx_common(const SSL_METHOD *m, const struct fwd_tls_keys *k, nh_error *err,
			   const char **key)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (!ctx) {
		ctx_error(err, "cannot make a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* No renegotiation (TLS 1.2's way of reading while writing), a peer
	 * that closes TCP without close_notify ends its stream like a FIN. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
					 SSL_OP_NO_COMPRESSION);
	/* Partial writes: one record at a time out of the relay's buffer;
	 * release buffers: an idle connection holds no 16 KiB records. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_RELEASE_BUFFERS);
	/* Read several records a read(), not a header and a body each (the
	 * relay reads on until WANT_READ, so nothing waits in OpenSSL). */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_AHEAD);
	if (!SSL_CTX_set_cipher_list(ctx, k->ciphers ? k->ciphers : TLS12_CIPHERS)) {
		*key = "tls_ciphers";
		ctx_error(err, k->ciphers ? k->ciphers : TLS12_CIPHERS);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static SSL_CTX *ctx_server(const struct fwd_tls_keys *k, nh_error *err, const char **key)
{
	SSL_CTX *ctx = ctx_common(TLS_server_method(), k, err, key);
	char what[600];

	if (!ctx)
		return NULL;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	*key = "tls_cert";
	snprintf(what, sizeof(what), "'%s'", k->cert);
	if (unreadable(k->cert, err))
		goto unread;
	if (SSL_CTX_use_certificate_chain_file(ctx, k->cert) != 1)
		goto fail;
	*key = "tls_key";
	snprintf(what, sizeof(what), "'%s'", k->key);
	if (unreadable(k->key, err))
		goto unread;
	if (SSL_CTX_use_PrivateKey_file(ctx, k->key, SSL_FILETYPE_PEM) != 1)
		goto fail;
	snprintf(what, sizeof(what), "'%s' does not go with '%s'", k->key, k->cert);
	if (SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	if (k->client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(k->client_ca);
		*key = "tls_client_ca";
		snprintf(what, sizeof(what), "'%s'", k->client_ca);
		if (unreadable(k->client_ca, err)) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			goto unread;
		}
		if (!names || SSL_CTX_load_verify_file(ctx, k->client_ca) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		/* Sessions resumed must have been verified by this context. */
		static const unsigned char sid[] = "nethost-forward";
		SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	}
	*key = NULL;
	return ctx;
fail:
	ctx_error(err, what);
unread:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

static SSL_CTX *ctx_client(const struct fwd_tls_keys *k, nh_error *err, const char **key)
{
	SSL_CTX *ctx = ctx_common(TLS_client_method(), k, err, key);

	if (!ctx)
		return NULL;
	if (k->verify == 0) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (k->ca) {
		*key = "tls_ca";
		int bad = unreadable(k->ca, err) < 0;
		if (!bad && SSL_CTX_load_verify_file(ctx, k->ca) != 1) {
			char what[600];
			snprintf(what, sizeof(what), "'%s'", k->ca);
			bad = ctx_error(err, what) < 0;
		}
		if (bad) {
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		*key = "tls_to";
		ctx_error(err, "cannot load the system CA store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	*key = NULL;
	return ctx;
}

/* With http_host, a `to` on port 443 means HTTPS unless tls_to says otherwise. */
static int wants_tls_to(const struct fwd_conf *c)
{
	if (c->tls.to >= 0)
		return c->tls.to;
	return c->http_host && c->n_up > 0 && nh_addr_port(&c->up[0]) == 443;
}

/* The files a context is made from, in a fixed order (NULL: not set). */
static void tls_files(const struct fwd_tls_keys *k, const char *files[4])
{
	files[0] = k->cert;
	files[1] = k->key;
	files[2] = k->client_ca;
	files[3] = k->ca;
}

static void file_sigs(const struct fwd_tls_keys *k, struct fwd_file_sig sig[4])
{
	const char *files[4];
	struct stat st;

	tls_files(k, files);
	memset(sig, 0, 4 * sizeof(*sig));
	for (int i = 0; i < 4; i++)
		if (files[i] && stat(files[i], &st) == 0) {
			sig[i].dev = st.st_dev;
			sig[i].ino = st.st_ino;
			sig[i].size = st.st_size;
			sig[i].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		}
}

/* The contexts c's keys describe, made from their files now, into *up
 * and *down (NULL where a side speaks no TLS), and what the files looked
 * like into sig. 0, or -EINVAL with both NULL and the reason in err and
 * *key. */
static int load_contexts(const struct fwd_conf *c, SSL_CTX **up, SSL_CTX **down,
			 struct fwd_file_sig sig[4], nh_error *err, const char **key)
{
	const struct fwd_tls_keys *k = &c->tls;

	*up = *down = NULL;
	/* Before loading: a file replaced meanwhile is seen as changed. */
	file_sigs(k, sig);
	if (k->cert && !(*down = ctx_server(k, err, key)))
		return -EINVAL;
	if (wants_tls_to(c) && !(*up = ctx_client(k, err, key))) {
		SSL_CTX_free(*down);
		*down = NULL;
		return -EINVAL;
	}
	return 0;
}

int fwd_tls_setup(struct fwd_conf *c, nh_error *err, const char **key)
{
	struct fwd_tls_keys *k = &c->tls;
	int to = wants_tls_to(c);

	*key = NULL;
	if (!to && (k->sni || k->ca || k->verify == 0)) {
		*key = k->sni ? "tls_sni" : k->ca ? "tls_ca" : "tls_verify";
		return nh_error_set(err, EINVAL, "needs tls_to = on");
	}
	if (!k->cert != !k->key) {
		*key = k->cert ? "tls_key" : "tls_cert";
		return nh_error_set(err, EINVAL, "tls_cert and tls_key go together");
	}
	if (k->client_ca && !k->cert) {
		*key = "tls_client_ca";
		return nh_error_set(err, EINVAL, "needs tls_cert and tls_key");
	}
	if (k->ciphers && !to && !k->cert) {
		*key = "tls_ciphers";
		return nh_error_set(err, EINVAL, "needs tls_to or tls_cert");
	}
	return load_contexts(c, &c->tls_up, &c->tls_down, k->sig, err, key);
}

/* The serial of the certificate a server context serves, as hex
 * (OPENSSL_free it), or NULL. */
static char *served_serial(SSL_CTX *ctx)
{
	X509 *x = ctx ? SSL_CTX_get0_certificate(ctx) : NULL;
	char *serial = NULL;

	if (x) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
		serial = bn ? BN_bn2hex(bn) : NULL;
		BN_free(bn);
	}
	return serial;
}

int fwd_tls_prepare(struct fwd *f)
{
	struct fwd_conf *c = &f->conf;
	struct fwd_file_sig now[4];

	if (!c->tls_up && !c->tls_down)
		return 0;
	file_sigs(&c->tls, now);
	if (memcmp(now, c->tls.sig, sizeof(now)) == 0)
		return 0;
	/* The keys are the running ones (the section is unchanged): only the
	 * files are read again, into staging. */
	nh_error err;
	const char *key = NULL;
	if (load_contexts(c, &f->staged_up, &f->staged_down, f->staged_sig, &err, &key) < 0) {
		nh_error(f->ctx, "%s: %s; the certificates in use stay", key ? key : "tls", err.msg);
		return -EINVAL;
	}
	return 0;
}

void fwd_tls_commit(struct fwd *f)
{
	struct fwd_conf *c = &f->conf;

	if (!f->staged_up && !f->staged_down)
		return; /* nothing changed, or not prepared */
	/* Open connections hold references to the old contexts. */
	SSL_CTX_free(c->tls_up);
	SSL_CTX_free(c->tls_down);
	c->tls_up = f->staged_up;
	c->tls_down = f->staged_down;
	memcpy(c->tls.sig, f->staged_sig, sizeof(c->tls.sig));
	f->staged_up = f->staged_down = NULL;
	char *serial = served_serial(c->tls_down);
	nh_notice(f->ctx, "TLS files re-read%s%s", serial ? "; serving certificate serial " : "",
		  serial ? serial : "");
	OPENSSL_free(serial);
}

void fwd_tls_abort(struct fwd *f)
{
	SSL_CTX_free(f->staged_up);
	SSL_CTX_free(f->staged_down);
	f->staged_up = f->staged_down = NULL;
}

const char *fwd_tls_warning(const struct fwd_conf *c)
{
	if (c->tls_up && c->tls.verify == 0)
		return "tls_verify is off: the upstream's certificate is not checked "
		       "(anyone on the path can pose as it)";
	return NULL;
}

static int is_ip_literal(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

SSL *fwd_tls_new(SSL_CTX *ctx, int fd, int server, const char *host, const char *sni,
		 nh_error *err)
{
	SSL *ssl = SSL_new(ctx);
	const char *name = sni ? sni : host;

	ERR_clear_error();
	if (!ssl || SSL_set_fd(ssl, fd) != 1)
		goto fail;
	if (server) {
		SSL_set_accept_state(ssl);
		return ssl;
	}
	SSL_set_connect_state(ssl);
	if (!name || !*name)
		return ssl;
	/* SNI carries names only (RFC 6066); an address is checked as one. */
	if (is_ip_literal(name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) != 1)
			goto fail;
	} else if (SSL_set_tlsext_host_name(ssl, name) != 1 || SSL_set1_host(ssl, name) != 1) {
		goto fail;
	}
	return ssl;
fail:
	SSL_free(ssl);
	ctx_error(err, "cannot start TLS");
	return NULL;
}

void fwd_tls_free(SSL *ssl)
{
	SSL_free(ssl);
}

static ssize_t tls_result(SSL *ssl, int n, int writing, int *want, char *why, size_t whylen)
{
	int e = SSL_get_error(ssl, n);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = NH_READ;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = NH_WRITE;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN: /* close_notify, or TCP EOF (IGNORE_UNEXPECTED_EOF) */
		ERR_clear_error();
		return writing ? -EPIPE : 0;
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (errno == EAGAIN || errno == EINTR) {
			*want = writing ? NH_WRITE : NH_READ;
			return -EAGAIN;
		}
		if (errno)
			return -errno;
		return writing ? -EPIPE : 0;
	default:
		tls_reason(ssl, why, whylen);
		return -EPROTO;
	}
}

ssize_t fwd_tls_read(SSL *ssl, void *buf, size_t len, int *want, char *why, size_t whylen)
{
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	return n > 0 ? n : tls_result(ssl, n, 0, want, why, whylen);
}

ssize_t fwd_tls_write(SSL *ssl, const void *buf, size_t len, int *want, char *why, size_t whylen)
{
	ERR_clear_error();
	errno = 0;
	int n = SSL_write(ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	return n > 0 ? n : tls_result(ssl, n, 1, want, why, whylen);
}

void fwd_tls_close_notify(SSL *ssl)
{
	/* Mid-handshake there is no session to close: the FIN says it. */
	if (SSL_is_init_finished(ssl))
		SSL_shutdown(ssl);
	ERR_clear_error();
}

int fwd_tls_done(SSL *ssl)
{
	return SSL_is_init_finished(ssl);
}

void fwd_tls_describe(SSL *ssl, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
}
