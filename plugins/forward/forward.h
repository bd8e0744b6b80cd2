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
	/* What the files looked like when the contexts were made: a reload
	 * re-reads them when they changed (forward_tls.c, fwd_tls_prepare). */
	struct fwd_file_sig {
		dev_t dev;
		ino_t ino;
		off_t size;
		int64_t mtime_ns;
	} sig[4];
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
	int64_t drain_timeout_ms; /* a reload that removes an upstream: its connections' grace */
	int udp;                 /* protocol = udp: datagrams, forward_udp.c */
	int send_proxy;          /* PROXY header version sent upstream; 0: none */
	int accept_proxy;        /* clients must start with a PROXY header */
	int balance;             /* enum fwd_balance */
	int check;               /* 1: tcp connect checks */
	int64_t check_interval_ms, check_timeout_ms;
	long rise, fall;
};

enum fwd_balance { FWD_FIRST, FWD_ROUNDROBIN, FWD_LEASTCONN, FWD_SOURCE };

/* What the operator set with `nethost ctl upstream` (HAProxy's `enable
 * server`, `set server state drain`, `disable server`): drain and disable
 * both take no new clients and keep their connections and checks; they
 * differ in what they tell the reader. Not kept across a reload. */
enum fwd_admin { FWD_ADMIN_ENABLED, FWD_ADMIN_DRAIN, FWD_ADMIN_DISABLED };

/* One address of a `to` line, with its health and counters
 * (forward_balance.c; checked by forward_check.c). Series as in
 * fwd_stats: `own` until fwd_upstream_metrics_open(). */
struct fwd_upstream {
	struct fwd *f;
	nh_addr addr;
	char name[NH_ADDR_STRLEN];
	int up;             /* healthy: checks (or, with checks off, nothing) say so */
	int admin;          /* enum fwd_admin */
	int64_t since_ms;   /* loop clock of the last change of up or admin */
	char error[96];     /* the last failed check or client connect; "" none yet */
	int64_t error_ms;   /* when */
	long ok_run, fail_run; /* consecutive successes / failures */
	long active;        /* clients relayed to it now */
	/* In a predecessor: a reload's new section no longer names it; its
	 * connections close at drain_at_ms, drain_ms after that reload. */
	int removed;
	int64_t drain_ms, drain_at_ms;
	/* A check still connecting after connect() returned (not a local
	 * upstream): its socket, watcher and timeout. */
	int check_fd;
	nh_io *check_io;
	nh_timer *check_to;
	nh_counter *connected, *failed, *check_ok, *check_failed;
	nh_gauge *up_g, *active_g, *admin_g;
	nh_counter own[4];
	nh_gauge own_g[3];
};

struct fwd_wait;

/* A listening socket and its address: opened by an instance, or handed
 * to it by the one it replaces (forward_reload.c). */
struct fwd_handed {
	int fd;
	nh_addr addr;
};

struct fwd_conn;
struct fwd_udp;

struct fwd {
	nh_ctx *ctx;
	nh_loop *loop;
	struct fwd_conf conf;
	nh_listener *listener; /* every `listen` address; NULL once stopped */
	nh_timer *trim;     /* empties the pipe pool once all is quiet */
	int64_t fds_log_ms; /* last "no fd for an upstream" warning; -1: none yet */
	int64_t full_log_ms; /* last max_connections line; -1: none yet */
	struct fwd_conn *conns;
	struct fwd_wait *waiting; /* accept_proxy clients before their header */
	struct fwd_upstream *ups; /* conf.n_up of them */
	/* check = tcp (forward_check.c): one timer starts each slot's checks;
	 * NULL: checks not running. */
	nh_timer *check_tick;
	int check_slot, check_slots;
	int64_t check_round_ms;   /* loop clock at the start of this round */
	int check_spare[2];       /* a disconnected socket to reuse, IPv4 and IPv6; -1 none */
	int rr_next;              /* roundrobin: where the next pick starts */
	/* Reload (forward_reload.c). */
	struct fwd_handed *lfd;   /* the listener's sockets; not owned */
	int n_lfd;
	struct fwd_handed *handed; /* sockets the replaced instance left us */
	int n_handed;
	struct fwd *successor;    /* succeed(): who takes over at our stop/destroy */
	struct fwd *replacing;    /* its other end: whom we take over from */
	struct fwd *heir;         /* as a predecessor: who relays on for us */
	struct fwd *preds, *pred_next; /* replaced instances still relaying */
	nh_defer *reap;           /* frees a drained predecessor */
	nh_timer *drain;          /* closes the connections to removed upstreams */
	struct fwd_pipe {
		int fd[2];
		size_t cap; /* what the kernel granted, maybe less than asked */
	} pool[FWD_POOL_MAX];
	int n_pool;
	int no_splice;      /* the kernel refused splice() once: read/write */
	char tls_why[256];  /* the last TLS error, for the line that closes its connection */
	struct fwd_stats st;
	/* TLS contexts a reload made from renewed files, until it commits
	 * (forward_tls.c, fwd_tls_prepare). */
	struct ssl_ctx_st *staged_up, *staged_down;
	struct fwd_file_sig staged_sig[4];
	struct fwd_udp *udp; /* protocol = udp: its sessions and sockets */
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
/* refresh(), for a reload that keeps the section: when a TLS file changed,
 * PREPARE loads new contexts into f's staging (0, or -EINVAL logged: the
 * reload is refused); COMMIT switches to them (open connections keep the
 * old ones); ABORT drops them. */
int fwd_tls_prepare(struct fwd *f);
void fwd_tls_commit(struct fwd *f);
void fwd_tls_abort(struct fwd *f);
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

/* A stats struct's counters as a table of series (TCP's above, UDP's in
 * forward_udp_metrics.c): each an nh_counter pointer at `slot`, pointing
 * at own[i] until fwd_series_open() registers it; label NULL: none. */
struct fwd_series {
	size_t slot;
	const char *name, *help, *label, *value;
};
void fwd_series_init(void *st, const struct fwd_series *t, size_t n, nh_counter *own);
/* Register t's counters, carrying their values over, and the gauge of
 * open ones (name, help; its value active) into *gauge. 0 or -errno. */
int fwd_series_open(nh_ctx *ctx, void *st, const struct fwd_series *t, size_t n,
		    const char *name, const char *help, long active, nh_gauge **gauge);

static inline void fwd_active_add(struct fwd *f, long d)
{
	f->st.active += d;
	nh_gauge_set(f->st.active_g, (double)f->st.active);
}
void fwd_stop(struct fwd *f);
/* destroy(): hands the open connections to the instance replacing f, if
 * one waits, else releases everything. */
void fwd_free(struct fwd *f);
/* Release everything now: connections closed. */
void fwd_release(struct fwd *f);
void fwd_report(struct fwd *f);
/* No fd for an upstream socket (err): the client waits and tries again
 * in FWD_EMFILE_PAUSE_MS. Logs it, at most once a second. */
void fwd_out_of_fds(struct fwd *f, int err);
/* A connection taken from the listener has ended (or could not start):
 * frees its listener slot. Once per connection. */
void fwd_conn_gone(struct fwd *f);

/* forward_relay.c */
/* Take over an accepted client fd and start connecting upstream; local
 * is the address the client reached (NULL: the socket's own). 0, or
 * -ENOMEM with fd still the caller's. */
int fwd_conn_new(struct fwd *f, int fd, const nh_addr *peer, const nh_addr *local);
/* Close every connection (instance going away). */
void fwd_conn_close_all(struct fwd *f);
/* Close, counted and logged with why, every connection relaying to or
 * connecting to f->ups[upi]. Returns how many. */
int fwd_conn_close_upstream(struct fwd *f, int upi, const char *why);
void fwd_pool_free(struct fwd *f);

/* One live connection as the control command shows it. */
struct fwd_conn_info {
	const nh_addr *client;
	const nh_addr *upstream; /* relaying to, or being tried; NULL before the first */
	int relaying;            /* connected upstream (else connecting) */
	uint64_t bytes_up, bytes_down; /* delivered each way */
	int64_t start_ms, last_ms;     /* loop clock: accepted, last bytes moved */
	/* Each side's TLS: "TLSv1.3 TLS_AES_256_GCM_SHA384", "handshake" while
	 * it runs, "-" for plain TCP. */
	const char *tls_client, *tls_upstream;
};
/* Call fn for every live connection of f, newest first. */
void fwd_conn_each(const struct fwd *f, void (*fn)(const struct fwd_conn_info *ci, void *arg),
		   void *arg);

/* forward_ctl.c: the control commands of [forward NAME] (ABI 2.1). */
extern const struct nh_ctl_command fwd_ctl_commands[];

/* forward_accept_proxy.c */
/* Take over fd and wait (connect_timeout at most) for its PROXY header,
 * then hand it to fwd_conn_new() with the addresses inside. 0, or -ENOMEM
 * with fd still the caller's. */
int fwd_wait_proxy(struct fwd *f, int fd, const nh_addr *peer);
void fwd_wait_close_all(struct fwd *f);

/* forward_balance.c */
/* Give f its upstreams from conf.up. 0 or -ENOMEM. */
int fwd_upstreams_new(struct fwd *f);
void fwd_upstreams_free(struct fwd *f);
int fwd_upstream_metrics_open(struct fwd *f);
/* The upstream for a connection's attempt: *scan is 0 before its first
 * and advances past each pick; *first is set by the first. -1 when no
 * upstream that is up is left to try. */
int fwd_balance_pick(struct fwd *f, const nh_addr *client, int *first, int *scan);
/* What a connect to u gave: counts it, and with checks on a failure
 * counts toward fall. */
void fwd_upstream_result(struct fwd_upstream *u, int ok);
/* A client's connect to u ended: result 0, or -errno whose reason
 * `ctl upstreams` shows as the last error. */
void fwd_upstream_error(struct fwd_upstream *u, int result);
/* A failed check of u: its reason (as above). */
void fwd_upstream_check_error(struct fwd_upstream *u, const char *why);
/* A check result or a client's failure moved u across rise/fall. */
void fwd_upstream_set(struct fwd_upstream *u, int up, const char *why);
/* Up and enabled: u gets new clients. */
static inline int fwd_upstream_takes_clients(const struct fwd_upstream *u)
{
	return u->up && u->admin == FWD_ADMIN_ENABLED;
}
/* How many upstreams take new clients. */
int fwd_upstreams_up(const struct fwd *f);
/* "up", "down", "drain" or "disabled": what `ctl upstreams` and the
 * status page show (admin before health, as HAProxy's MAINT and DRAIN). */
const char *fwd_upstream_state(const struct fwd_upstream *u);
extern const char *const fwd_admin_names[]; /* "enabled", "drain", "disabled" */
/* Set u's admin state (the `upstream` control command); logs it. */
void fwd_upstream_admin(struct fwd_upstream *u, int admin);
void fwd_upstreams_report(struct fwd *f);

/* forward_reload.c */
/* succeed(): f, created by a reload, replaces the running pred (the same
 * [forward NAME]); pred hands f its sockets at its stop() and destroy(). */
void fwd_succeed(struct fwd *f, struct fwd *pred);
/* start() and destroy() of f: f takes over from nobody any more. */
void fwd_stop_replacing(struct fwd *f);
/* stop(): give the listening sockets to the instance replacing f. */
void fwd_hand_listeners(struct fwd *f);
/* A socket handed to f listening on a, now f's; -1 when none. */
int fwd_take_listener(struct fwd *f, const nh_addr *a);
void fwd_close_handed(struct fwd *f);
/* destroy(): give f's connections and f itself to its heir; 1 when done
 * (f lives on as the heir's predecessor), 0 when f is to be released. */
int fwd_hand_connections(struct fwd *f);
/* Stop f's drain timer (f is being released). */
void fwd_drain_stop(struct fwd *f);
/* A predecessor's connection ended: free it once it has none. */
void fwd_pred_check_done(struct fwd *f);
/* Release every predecessor of f, closing their connections. */
void fwd_preds_free(struct fwd *f);

/* forward_check.c */
/* Start / stop the tcp checks of every upstream. 0 or -errno. */
int fwd_checks_start(struct fwd *f);
void fwd_checks_stop(struct fwd *f);

#endif
