/* Echo service building blocks, shared by the echo servers (echo6 over
 * TCP/UDP, unixipc over Unix sockets) and their clients.
 *
 * A pool owns the connections an echo server accepted: every byte read is
 * written back on the same socket. While output is pending a connection
 * stops reading (back-pressure), so a client that does not read costs its
 * buffer and nothing more. Each connection has one buffer, allocated with
 * it; nothing is allocated per message.
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
#ifndef NETHOST_ECHO_H
#define NETHOST_ECHO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nethost/ctx.h>
#include <nethost/sock.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nh_echo_pool nh_echo_pool;
typedef struct nh_echo_dgram nh_echo_dgram;

struct nh_echo_opts {
	size_t bufsize;          /* per-connection buffer in bytes (> 0) */
	int64_t idle_timeout_ms; /* close a connection silent this long; 0 never */
	unsigned max_clients;    /* refuse connections beyond this; 0 no limit */
	int packet;              /* SOCK_SEQPACKET: one read is one message, echoed
				  * whole; a message over bufsize closes the
				  * connection (EMSGSIZE) instead of being cut */
};

/* Counters of a pool or a datagram echo, for report(). */
struct nh_echo_stats {
	uint64_t accepted;  /* connections taken (stream) */
	uint64_t refused;   /* over max_clients (stream), or unanswerable (dgram) */
	uint64_t timeouts;  /* closed by idle_timeout */
	uint64_t errors;    /* closed or dropped on a socket error / oversize message */
	uint64_t messages;  /* reads echoed */
	uint64_t bytes;     /* bytes echoed */
	unsigned active;    /* connections open now */
};

/* A pool of echo connections on ctx's loop. Logs through ctx: one debug
 * line per connection opened and closed. NULL with errno set. */
nh_echo_pool *nh_echo_pool_new(const nh_ctx *ctx, const struct nh_echo_opts *opts);
/* Take an accepted socket (the pool owns it from now on, whatever the
 * result) and echo on it. peer names the client in log lines (copied).
 * 0, -EBUSY when max_clients are connected (the fd is closed), -ENOMEM. */
int nh_echo_pool_add(nh_echo_pool *p, int fd, const char *peer);
void nh_echo_pool_stats(const nh_echo_pool *p, struct nh_echo_stats *out);

/* Decide about a connection just accepted: name the peer in name (size
 * bytes, for log lines) and return 0 to echo on fd, or -errno to have it
 * closed (log why). sa is the peer address accept() gave. */
typedef int (*nh_echo_admit_cb)(int fd, const struct sockaddr *sa, socklen_t salen, char *name,
				size_t size, void *arg);
/* Accept connections on listening socket lfd into the pool (one listener
 * per pool); the pool owns lfd from now on, whatever the result. admit
 * may be NULL (the peer is then named by its address). When accept()
 * fails for lack of fds or memory, the listener pauses 100 ms instead of
 * spinning. 0 or -errno. */
int nh_echo_pool_listen(nh_echo_pool *p, int lfd, nh_echo_admit_cb admit, void *arg);
/* Stop accepting and close the listener; connections stay. NULL is
 * ignored. */
void nh_echo_pool_unlisten(nh_echo_pool *p);
/* Close the listener and every connection, free the pool. NULL is
 * ignored. */
void nh_echo_pool_free(nh_echo_pool *p);

/* Echo every datagram received on a bound datagram socket (UDP, AF_UNIX
 * SOCK_DGRAM) back to its sender. The echo owns fd. A datagram over
 * bufsize is dropped and counted; when the socket cannot send, reading
 * stops until it can. NULL with errno set. */
nh_echo_dgram *nh_echo_dgram_new(const nh_ctx *ctx, int fd, size_t bufsize);
void nh_echo_dgram_stats(const nh_echo_dgram *d, struct nh_echo_stats *out);
/* Stop, close fd, free. NULL is ignored. */
void nh_echo_dgram_free(nh_echo_dgram *d);

/* Client side, blocking (for CLI commands): send msg on a connected
 * socket and read the echo into reply. On a stream, reads exactly len
 * bytes, while still sending (so a message of any size cannot deadlock);
 * on a datagram or seqpacket socket, reads one message. fd may be
 * non-blocking. Returns the bytes received, or -errno with the reason in
 * err (-ETIMEDOUT when timeout_ms passed, -ECONNRESET when the peer
 * closed first, -EMSGSIZE when the reply did not fit in cap). */
ssize_t nh_echo_exchange(int fd, const void *msg, size_t len, void *reply, size_t cap,
			 int64_t timeout_ms, nh_error *err);

/* What a CLI echo client sends: each message in turn, then a generated
 * message of size bytes (0: none), the whole count times. */
struct nh_echo_job {
	char **messages;
	int n_messages;
	size_t size;
	long count;
	int64_t timeout_ms;
	int quiet; /* only the summary */
};

/* Run job over a connected socket named name: for every echo print
 * "N bytes from NAME: TEXT time=T ms" (TEXT is "intact" for generated
 * messages), then a summary when more than one was sent. An echo that
 * differs, or does not come back in time, fails the job. Returns the
 * exit code: NH_EXIT_OK or NH_EXIT_FAIL. */
int nh_echo_client_run(const nh_ctx *ctx, int fd, const char *name, const struct nh_echo_job *job);

/* Command-line options every echo command shares, so that they read the
 * same everywhere. In a command's option table and optstring:
 *     NH_ECHO_SERVE_LONGOPTS, ...     "..." NH_ECHO_SERVE_SHORTOPTS
 * then, in the getopt loop, offer each option to the parser:
 *     r = nh_echo_serve_option(ctx, c, optarg, &opts);
 * 1: it was one of them; 0: it was not; NH_EXIT_USAGE: bad value (the
 * usage error is printed). The usage strings describe them. */
#define NH_ECHO_SERVE_LONGOPTS                                                 \
	{ "max-clients", required_argument, NULL, 'M' },                       \
	{ "idle-timeout", required_argument, NULL, 'i' },                      \
	{ "buffer", required_argument, NULL, 'B' }
#define NH_ECHO_SERVE_SHORTOPTS "i:"
#define NH_ECHO_SERVE_USAGE                                                    \
	"      --max-clients N     clients at once; more are refused (default 4096)\n" \
	"  -i, --idle-timeout DUR  close clients silent this long (default 5m, 0 never)\n" \
	"      --buffer BYTES      per-client buffer (default 65536)\n"
/* Defaults of the options above. */
#define NH_ECHO_OPTS_DEFAULT                                                   \
	{ .bufsize = 65536, .idle_timeout_ms = 300000, .max_clients = 4096 }
int nh_echo_serve_option(const nh_ctx *ctx, int c, const char *arg, struct nh_echo_opts *o);

#define NH_ECHO_JOB_LONGOPTS                                                   \
	{ "size", required_argument, NULL, 's' },                              \
	{ "count", required_argument, NULL, 'c' },                             \
	{ "timeout", required_argument, NULL, 't' },                           \
	{ "quiet", no_argument, NULL, 'q' }
#define NH_ECHO_JOB_SHORTOPTS "s:c:t:q"
#define NH_ECHO_JOB_USAGE                                                      \
	"  -s, --size BYTES        also send a generated message of BYTES\n"   \
	"  -c, --count N           send everything N times (default 1)\n"      \
	"  -t, --timeout DUR       per echo (default 5s)\n"                    \
	"  -q, --quiet             print only the summary\n"
#define NH_ECHO_JOB_DEFAULT { .count = 1, .timeout_ms = 5000 }
int nh_echo_job_option(const nh_ctx *ctx, int c, const char *arg, struct nh_echo_job *job);

/* Run a server in the foreground for a CLI command: start(state), run
 * ctx's loop until SIGINT or SIGTERM, then report(state) (if not NULL).
 * The caller stops and frees. Returns NH_EXIT_OK, or NH_EXIT_FAIL when
 * start() failed (it reported why) or the loop did. */
int nh_echo_run_cli(const nh_ctx *ctx, int (*start)(void *state), void (*report)(void *state),
		    void *state);

#ifdef __cplusplus
}
#endif
#endif
