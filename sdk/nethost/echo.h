/* Echo service building blocks, shared by the echo servers (echo6 over
 * TCP/UDP, unixipc over Unix sockets) and their clients.
 *
 * A pool owns the connections an echo server accepted: every byte read is
 * written back on the same socket. While output is pending a connection
 * stops reading (back-pressure), so a client that does not read costs its
 * buffer and nothing more. Each connection has one buffer, allocated with
 * it; nothing is allocated per message.
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
/* Close every connection and free the pool. NULL is ignored. */
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

#ifdef __cplusplus
}
#endif
#endif
