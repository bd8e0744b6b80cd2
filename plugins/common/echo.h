/* The echo engine of echo6 (TCP/UDP) and unixipc (Unix sockets), and
 * their clients: private to those two plugins, not part of the SDK.
 *
 * A pool owns the connections an echo server accepted: every byte read is
 * written back on the same socket. While output is pending a connection
 * stops reading (back-pressure), so a client that does not read costs its
 * buffer and nothing more. Each connection has one buffer, allocated with
 * it; nothing is allocated per message. A pool accepts through an
 * nh_listener (<nethost/stream.h>).
 *
 * Metrics: a pool exports its counters through its context when it starts
 * listening, a datagram echo when it is created, labelled transport="tcp",
 * "udp" (an IP socket) or "stream", "seqpacket", "dgram" (a Unix socket):
 *   nethost_echo_clients_active{transport}                 (gauge, streams)
 *   nethost_echo_connections_total{transport,result}       accepted, refused,
 *                                    timeout, error (datagrams: refused, error)
 *   nethost_echo_messages_total{transport}, nethost_echo_bytes_total{transport}
 * They go with the pool or echo (free). One listening pool and one datagram
 * echo of each transport per context; another one is served but not
 * exported (a warning says so).
 */
#ifndef PLUGINS_COMMON_ECHO_H
#define PLUGINS_COMMON_ECHO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <nethost/nethost.h>

struct echo_opts {
	size_t bufsize;          /* per-connection buffer in bytes (> 0) */
	int64_t idle_timeout_ms; /* close a connection silent this long; 0 never */
	unsigned max_clients;    /* refuse connections beyond this; 0 no limit */
	int packet;              /* SOCK_SEQPACKET: one read is one message, echoed
				  * whole; a message over bufsize closes the
				  * connection (EMSGSIZE) instead of being cut */
};

/* Counters of a pool or a datagram echo, for report(). */
struct echo_stats {
	uint64_t accepted;  /* connections taken (stream) */
	uint64_t refused;   /* over max_clients (stream), or unanswerable (dgram) */
	uint64_t timeouts;  /* closed by idle_timeout */
	uint64_t errors;    /* closed or dropped on a socket error / oversize message */
	uint64_t messages;  /* reads echoed */
	uint64_t bytes;     /* bytes echoed */
	unsigned active;    /* connections open now */
};

/* ---- the pool of stream connections ------------------------------------ */

/* A pool of echo connections on ctx's loop. Logs through ctx: one debug
 * line per connection opened and closed. NULL with errno set. */
struct echo_pool *echo_pool_new(const nh_ctx *ctx, const struct echo_opts *opts);
/* Take a connected socket (the pool owns it from now on, whatever the
 * result) and echo on it. peer names the client in log lines (copied).
 * 0, -EBUSY when max_clients are connected (the fd is closed and the
 * refusal counted), -ENOMEM. */
int echo_pool_add(struct echo_pool *p, int fd, const char *peer);
void echo_pool_stats(const struct echo_pool *p, struct echo_stats *out);

/* Decide about a connection just accepted: name the peer in name (size
 * bytes, for log lines) and return 0 to echo on fd, or -errno to have it
 * closed (log why). sa is the peer address accept() gave. */
typedef int (*echo_admit_cb)(int fd, const struct sockaddr *sa, socklen_t salen, char *name,
			     size_t size, void *arg);
/* Listen on TCP address a (nh_listener_add_tcp(): flags NH_SOCK_*; port 0
 * picks one, see echo_pool_local()) or on a Unix stream or seqpacket
 * socket (nh_listener_add_unix(): "@name", stale files, mode) and accept
 * into the pool; one listening socket per pool. admit may be NULL (the
 * peer is then named by its address). Accepting pauses when fds run out
 * (the listener logs it) and the pool says "accepting again" when it
 * resumes. 0 or -errno with the reason in err. */
int echo_pool_listen_tcp(struct echo_pool *p, const nh_addr *a, int flags, echo_admit_cb admit,
			 void *arg, nh_error *err);
int echo_pool_listen_unix(struct echo_pool *p, const char *path, int type, int mode,
			  echo_admit_cb admit, void *arg, nh_error *err);
/* The listening socket's address (the port a port-0 listen got). 0 or
 * -errno (-ENOENT: not listening). */
int echo_pool_local(const struct echo_pool *p, nh_addr *out);
/* Stop accepting, close the listener (removing the Unix socket file it
 * made); connections stay. NULL is ignored. */
void echo_pool_unlisten(struct echo_pool *p);
/* Close the listener and every connection, free the pool. NULL is
 * ignored. */
void echo_pool_free(struct echo_pool *p);

/* ---- datagrams ---------------------------------------------------------- */

/* Echo every datagram received on a bound datagram socket (UDP, AF_UNIX
 * SOCK_DGRAM) back to its sender. The echo owns fd. A datagram over
 * bufsize is dropped and counted; when the socket cannot send, reading
 * stops until it can. NULL with errno set. */
struct echo_dgram *echo_dgram_new(const nh_ctx *ctx, int fd, size_t bufsize);
void echo_dgram_stats(const struct echo_dgram *d, struct echo_stats *out);
/* Stop, close fd, free. NULL is ignored. */
void echo_dgram_free(struct echo_dgram *d);

/* ---- the client, for CLI commands --------------------------------------- */

/* What a CLI echo client sends: each message in turn, then a generated
 * message of size bytes (0: none), the whole count times. */
struct echo_job {
	char **messages;
	int n_messages;
	size_t size;
	long count;
	int64_t timeout_ms;
	int quiet; /* only the summary */
	int json;  /* NDJSON records instead of text (schema: nethost(8), JSON OUTPUT) */
};

/* Run job over a connected socket (blocking or not) named name: for every
 * echo print "N bytes from NAME: TEXT time=T ms" (NAME with control bytes
 * escaped, nh_escape(); TEXT is "intact" for
 * generated messages), then a summary when more than one was sent; with
 * job->json, an "echo" or "error" record for each and always a "summary"
 * record. On a
 * stream the echo is read while still sending, so a message of any size
 * cannot deadlock. An echo that differs, or does not come back in time,
 * fails the job. Returns the exit code: NH_EXIT_OK or NH_EXIT_FAIL. */
int echo_client_run(const nh_ctx *ctx, int fd, const char *name, const struct echo_job *job);

/* ---- command-line options every echo command shares --------------------- */

/* In a command's option table and optstring:
 *     ECHO_SERVE_LONGOPTS, ...     "..." ECHO_SERVE_SHORTOPTS
 * then, in the getopt loop, offer each option to the parser:
 *     r = echo_serve_option(ctx, c, optarg, &opts);
 * 1: it was one of them; 0: it was not; NH_EXIT_USAGE: bad value (the
 * usage error is printed). The usage strings describe them. */
#define ECHO_SERVE_LONGOPTS                                                    \
	{ "max-clients", required_argument, NULL, 'M' },                       \
	{ "idle-timeout", required_argument, NULL, 'i' },                      \
	{ "buffer", required_argument, NULL, 'B' }
#define ECHO_SERVE_SHORTOPTS "i:"
#define ECHO_SERVE_USAGE                                                       \
	"      --max-clients N     clients at once; more are refused (default 4096)\n" \
	"  -i, --idle-timeout DUR  close clients silent this long (default 5m, 0 never)\n" \
	"      --buffer BYTES      per-client buffer, 512 to 16M (default 64k)\n"
/* Defaults of the options above. */
#define ECHO_OPTS_DEFAULT { .bufsize = 65536, .idle_timeout_ms = 300000, .max_clients = 4096 }
int echo_serve_option(const nh_ctx *ctx, int c, const char *arg, struct echo_opts *o);

#define ECHO_JOB_LONGOPTS                                                      \
	{ "size", required_argument, NULL, 's' },                              \
	{ "count", required_argument, NULL, 'c' },                             \
	{ "timeout", required_argument, NULL, 't' },                           \
	{ "quiet", no_argument, NULL, 'q' }
#define ECHO_JOB_SHORTOPTS "s:c:t:q"
#define ECHO_JOB_USAGE                                                         \
	"  -s, --size BYTES        also send a generated message of BYTES (up to 1G)\n" \
	"  -c, --count N           send everything N times (default 1)\n"      \
	"  -t, --timeout DUR       per echo, more than 0 (default 5s)\n"        \
	"  -q, --quiet             print only the summary\n"
/* --json, for the commands whose output is the echo client's (send). */
#define ECHO_JSON_LONGOPT { "json", no_argument, NULL, 'j' }
#define ECHO_JSON_SHORTOPT "j"
#define ECHO_JSON_USAGE                                                        \
	"  -j, --json              NDJSON: a record per echo, then a summary\n"  \
	"                          (schema: nethost(8), JSON OUTPUT)\n"
#define ECHO_JOB_DEFAULT { .count = 1, .timeout_ms = 5000 }
int echo_job_option(const nh_ctx *ctx, int c, const char *arg, struct echo_job *job);

#endif
