/* forward, UDP: the parts of a `protocol = udp` instance that its data
 * path (forward_udp.c) and its metrics (forward_udp_metrics.c) share. The
 * service and CLI code only call the four functions at the end. */
#ifndef FORWARD_UDP_H
#define FORWARD_UDP_H

#include "forward.h"

/* Datagrams taken per recvmmsg() and sent per sendmmsg(). */
#define FWD_UDP_BATCH 32
/* A receive buffer holds the largest UDP payload (65,507 B over IPv4,
 * 65,527 B over IPv6), so no datagram is ever cut. */
#define FWD_UDP_DGRAM_MAX 65536
/* Idle sessions end after this long unless idle_timeout says otherwise. */
#define FWD_UDP_IDLE_DEFAULT_MS 60000

/* Counters of a UDP instance: metrics series once fwd_udp_metrics_open()
 * registered them, `own` until then (as struct fwd_stats does for TCP). */
struct fwd_udp_stats {
	nh_counter *opened;      /* sessions started */
	nh_counter *failed;      /* sessions ended by an unreachable upstream */
	nh_counter *closed;      /* sessions ended otherwise (idle, stopped) */
	nh_counter *dgrams_up;   /* client -> upstream */
	nh_counter *dgrams_down; /* upstream -> client */
	nh_counter *bytes_up;
	nh_counter *bytes_down;
	nh_counter *drop_refused; /* datagrams dropped: allow/deny */
	nh_counter *drop_full;    /* ... a new client at max_connections */
	nh_counter *drop_empty;   /* ... empty: never relayed */
	nh_counter *drop_error;   /* ... no socket, or a socket buffer full */
	nh_gauge *active_g;
	long active;
	nh_counter own[11];
	nh_gauge own_active;
};

/* forward_udp_metrics.c */
void fwd_udp_stats_init(struct fwd_udp_stats *st);
/* Register the counters as metrics series of ctx. 0 or -errno (logged). */
int fwd_udp_metrics_open(nh_ctx *ctx, struct fwd_udp_stats *st);

/* forward_udp.c: the instance's life, called instead of fwd_start(),
 * fwd_stop() and fwd_report() when f->conf.udp is set. */
int fwd_udp_start(struct fwd *f);
/* Close the listening sockets and end every session (each logged). */
void fwd_udp_stop(struct fwd *f);
/* fwd_udp_stop() and free the UDP state; fwd_free() does the rest. */
void fwd_udp_free(struct fwd *f);
void fwd_udp_report(struct fwd *f);

#endif
