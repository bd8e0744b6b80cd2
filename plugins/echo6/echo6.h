/* echo6: TCP and UDP echo on IPv6, dual-stack by default. */
#ifndef ECHO6_H
#define ECHO6_H

#include <nethost/nethost.h>

#include "common/echo.h"

#define ECHO6_PORT 7007

struct echo6 {
	nh_ctx *ctx;
	nh_addr listen;
	int tcp, udp;
	int v6only;
	struct echo_opts opts;

	struct echo_pool *pool;  /* with the TCP listener */
	struct echo_dgram *dgram;
};

/* echo6.c: the service, also run by `echo6 serve`. */
int echo6_start(void *state);
void echo6_stop(void *state);
void echo6_destroy(void *state);
void echo6_report(void *state);

/* echo6_cli.c */
int echo6_cmd(nh_ctx *ctx, int argc, char **argv);

#endif
