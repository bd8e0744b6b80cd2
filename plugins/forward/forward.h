/* forward: a TCP port forwarder. Shared by the service instance, the CLI
 * command and the data path.
 *
 * One process, one event loop. A connection is two sockets and two
 * halves (client -> upstream, upstream -> client). A half copies its first
 * bytes through a buffer and, once it carries bulk, moves them with
 * splice() through a pipe from a small per-instance pool; either is held
 * only while the half holds data, so idle connections cost two fds.
 */
#ifndef FORWARD_H
#define FORWARD_H

#include <stdint.h>
#include <sys/types.h>

#include <nethost/nethost.h>

/* Bytes a half holds before it stops reading (back-pressure). Measured
 * on loopback: 512 KiB relays ~15% faster than 128 KiB, 64 KiB is slower. */
#define FWD_PIPE_SIZE (512 * 1024)
/* Copy buffer: a half's first bytes, and all of them where splice()
 * cannot be used. A half that fills it once splices from then on. */
#define FWD_BUF_SIZE (64 * 1024)
/* Empty pipes kept for reuse. */
#define FWD_POOL_MAX 64
/* Pooled pipes are closed when no connection was open this long. */
#define FWD_TRIM_MS 1000
/* Out of fds for an upstream socket: try again this much later. */
#define FWD_EMFILE_PAUSE_MS 100
/* Most addresses one `to` name may resolve to. */
#define FWD_ADDRS_PER_NAME 8

/* Counters, kept for a later metrics endpoint. */
/* Counters are metrics series (/metrics of an [http] instance) once
 * fwd_metrics_open() registered them; until then, and in CLI runs, they
 * point at `own`. Either way an update is one add. */
struct fwd_stats {
	nh_counter *accepted;   /* connections taken off a listener */
	nh_counter *refused;    /* closed at once by allow/deny */
	nh_counter *failed;     /* no upstream could be reached */
	nh_counter *closed;     /* relayed and closed, any way */
	nh_counter *bytes_up;   /* client -> upstream */
	nh_counter *bytes_down; /* upstream -> client */
	nh_counter *emfile;     /* accept pauses for lack of fds (the listener's fd_pauses) */
	nh_counter *tls_ok;     /* TLS handshakes completed, either side */
	nh_counter *tls_failed; /* TLS handshakes that failed (verification included) */
	nh_counter *http_bad;   /* requests refused with 400 (http_host) */
	nh_gauge *active_g;     /* open client connections, as a metric */
	long active;            /* open client connections */
	nh_counter own[10];
	nh_gauge own_active;
};

/* The TLS and HTTP keys as given; forward_tls.c turns them into the
 * contexts below. Strings are owned (NULL: not set). */
struct fwd_tls_keys {
	int to;          /* tls_to: 1 on, 0 off, -1 not set (http_host + :443 turn it on) */
	int verify;      /* tls_verify (default on) */
	char *sni, *ca;  /* tls_sni, tls_ca */
	char *cert, *key, *client_ca; /* terminating side */
	char *ciphers;   /* tls_ciphers: TLS 1.2 cipher list */
	/* What the files looked like when the contexts were made: a renewed
	 * certificate is seen by a change (forward_tls.c, fwd_tls_refresh). */
	struct fwd_file_sig {
		dev_t dev;
		ino_t ino;
		off_t size;
		int64_t mtime_ns;
	} sig[4];
	int64_t checked_ms; /* last look at the files; 0: never */
};

/* What an instance runs with: read from [forward NAME] or the CLI. */
struct fwd_conf {
	nh_addr *listen;
	int n_listen;
	nh_addr *up; /* resolved upstreams, tried in order */
	char **up_host; /* per up[]: the host part of its `to` text (SNI, name check) */
	int n_up;
	struct fwd_tls_keys tls;
	char *http_host;          /* http_host: Host: header every request gets */
	struct ssl_ctx_st *tls_up;   /* non-NULL: TLS to the upstream */
	struct ssl_ctx_st *tls_down; /* non-NULL: TLS from clients */
	nh_cidr *allow, *deny;
	int n_allow, n_deny;
	long max_conns;
	int64_t connect_timeout_ms;
	int64_t idle_timeout_ms; /* 0: never */
};

struct fwd_conn;

struct fwd {
	nh_ctx *ctx;
	nh_loop *loop;
	struct fwd_conf conf;
	nh_listener *listener; /* every `listen` address; NULL once stopped */
	nh_timer *trim;     /* empties the pipe pool once all is quiet */
	int64_t fds_log_ms; /* last "no fd for an upstream" warning; -1: none yet */
	int64_t full_log_ms; /* last max_connections line; -1: none yet */
	struct fwd_conn *conns;
	struct fwd_pipe {
		int fd[2];
		size_t cap; /* what the kernel granted, maybe less than asked */
	} pool[FWD_POOL_MAX];
	int n_pool;
	int no_splice;      /* the kernel refused splice() once: read/write */
	char tls_why[256];  /* the last TLS error, for the line that closes its connection */
	struct fwd_stats st;
};

/* forward_conf.c */
void fwd_conf_free(struct fwd_conf *c);
/* Append the addresses text resolves to (names allowed). 0 or -errno
 * with the reason in err. */
int fwd_conf_add_upstream(struct fwd_conf *c, const char *text, nh_error *err);
/* The host part of HOST:PORT or [V6]:PORT, allocated; NULL: no memory. */
char *fwd_host_of(const char *text);
int fwd_conf_add_listen(struct fwd_conf *c, const nh_addr *a);
/* Allow unless deny matches; with an allow list, only what it matches. */
int fwd_acl_permits(const struct fwd_conf *c, const struct sockaddr *sa);

/* forward_tls.c: OpenSSL, driven non-blocking by the relay. */
struct ssl_st;
/* Make c->tls_up / c->tls_down from c->tls (files loaded and checked
 * now, so a bad file fails create() and a reload keeps what runs).
 * 0, or -errno with the reason in err and *key the key it concerns. */
int fwd_tls_setup(struct fwd_conf *c, nh_error *err, const char **key);
/* Files changed since the contexts were made (looked at once a second at
 * most, as clients come): make new contexts; connections open keep the
 * ones they have. A file that does not load keeps the running contexts,
 * said once per change. */
void fwd_tls_refresh(struct fwd *f);
/* A warning worth logging at start (tls_verify off), or NULL. */
const char *fwd_tls_warning(const struct fwd_conf *c);
/* A TLS session over fd: server (terminating) or client to host (SNI
 * and name check unless sni overrides). NULL with the reason in err. */
struct ssl_st *fwd_tls_new(struct ssl_ctx_st *ctx, int fd, int server, const char *host,
			   const char *sni, nh_error *err);
void fwd_tls_free(struct ssl_st *ssl);
/* Read or write through TLS. >0 bytes, 0 (read only) end of stream,
 * -EAGAIN with *want NH_READ or NH_WRITE (what the socket must become),
 * -EPROTO for a TLS error (the reason in why), or another -errno. */
ssize_t fwd_tls_read(struct ssl_st *ssl, void *buf, size_t len, int *want, char *why,
		     size_t whylen);
ssize_t fwd_tls_write(struct ssl_st *ssl, const void *buf, size_t len, int *want, char *why,
		      size_t whylen);
/* Send close_notify (best effort: the TCP FIN follows anyway). */
void fwd_tls_close_notify(struct ssl_st *ssl);
int fwd_tls_done(struct ssl_st *ssl);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" */
void fwd_tls_describe(struct ssl_st *ssl, char *buf, size_t len);

/* forward_listen.c */
struct fwd *fwd_new(nh_ctx *ctx, struct fwd_conf *conf);
int fwd_start(struct fwd *f);

/* forward_metrics.c */
void fwd_stats_init(struct fwd_stats *st);
/* Register the counters as metrics series of f's context. 0 or -errno. */
int fwd_metrics_open(struct fwd *f);

static inline void fwd_active_add(struct fwd *f, long d)
{
	f->st.active += d;
	nh_gauge_set(f->st.active_g, (double)f->st.active);
}
void fwd_stop(struct fwd *f);
void fwd_free(struct fwd *f);
void fwd_report(struct fwd *f);
/* No fd for an upstream socket (err): the client waits and tries again
 * in FWD_EMFILE_PAUSE_MS. Logs it, at most once a second. */
void fwd_out_of_fds(struct fwd *f, int err);
/* A connection taken from the listener has ended (or could not start):
 * frees its listener slot. Once per connection. */
void fwd_conn_gone(struct fwd *f);

/* forward_relay.c */
/* Take over an accepted client fd and start connecting upstream. 0, or
 * -ENOMEM with fd still the caller's. */
int fwd_conn_new(struct fwd *f, int fd, const nh_addr *peer);
/* Close every connection (instance going away). */
void fwd_conn_close_all(struct fwd *f);
void fwd_pool_free(struct fwd *f);

#endif
