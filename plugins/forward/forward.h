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
	nh_gauge *active_g;     /* open client connections, as a metric */
	long active;            /* open client connections */
	nh_counter own[7];
	nh_gauge own_active;
};

/* What an instance runs with: read from [forward NAME] or the CLI. */
struct fwd_conf {
	nh_addr *listen;
	int n_listen;
	nh_addr *up; /* resolved upstreams, tried in order */
	int n_up;
	nh_cidr *allow, *deny;
	int n_allow, n_deny;
	long max_conns;
	int64_t connect_timeout_ms;
	int64_t idle_timeout_ms; /* 0: never */
};

struct fwd_conn;

/* What the last connects to one upstream did: no health check, only the
 * clients' own attempts (passive), for `ctl upstreams` and the page. */
struct fwd_up_state {
	int8_t state;          /* -1 not tried yet, 0 the last connect failed, 1 it worked */
	int64_t since_ms;      /* loop clock of the last change of state */
	uint64_t ok, failed;   /* connects */
	int last_errno;        /* of the last failure */
};

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
	struct fwd_stats st;
	struct fwd_up_state *up_state; /* one per conf.up; NULL when out of memory */
};

/* forward_conf.c */
void fwd_conf_free(struct fwd_conf *c);
/* Append the addresses text resolves to (names allowed). 0 or -errno
 * with the reason in err. */
int fwd_conf_add_upstream(struct fwd_conf *c, const char *text, nh_error *err);
int fwd_conf_add_listen(struct fwd_conf *c, const nh_addr *a);
/* Allow unless deny matches; with an allow list, only what it matches. */
int fwd_acl_permits(const struct fwd_conf *c, const struct sockaddr *sa);

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

/* One live connection as the control command shows it. */
struct fwd_conn_info {
	const nh_addr *client;
	const nh_addr *upstream; /* relaying to, or being tried; NULL before the first */
	int relaying;            /* connected upstream (else connecting) */
	uint64_t bytes_up, bytes_down; /* delivered each way */
	int64_t start_ms, last_ms;     /* loop clock: accepted, last bytes moved */
};
/* A connect to f->conf.up[i] ended: 0 or -errno. */
void fwd_up_record(struct fwd *f, const nh_addr *up, int result);
/* Call fn for every live connection of f, newest first. */
void fwd_conn_each(const struct fwd *f, void (*fn)(const struct fwd_conn_info *ci, void *arg),
		   void *arg);

/* forward_ctl.c: the control commands of [forward NAME] (ABI 2.1). */
extern const struct nh_ctl_command fwd_ctl_commands[];

#endif
