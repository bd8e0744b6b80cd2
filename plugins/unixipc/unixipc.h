/* unixipc: echo over Unix domain sockets, and a socketpair self-test. */
#ifndef UNIXIPC_H
#define UNIXIPC_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <nethost/nethost.h>

#include "common/echo.h"

/* A Unix socket address: a path, or "@name" in the abstract namespace. */
struct unixipc_addr {
	struct sockaddr_un sun;
	socklen_t len;
	int abstract;
	char text[sizeof(((struct sockaddr_un *)0)->sun_path) + 1]; /* as the user wrote it */
};

struct unixipc {
	nh_ctx *ctx;
	struct unixipc_addr addr;
	int type;            /* SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM */
	mode_t mode;
	uid_t *allow;        /* allowed peer uids; NULL: anyone who can connect */
	int n_allow;
	struct echo_opts opts;

	dev_t dev;           /* the dgram file we bound, so we only ever remove ours */
	ino_t ino;
	struct echo_pool *pool;  /* stream, seqpacket: with the listener */
	struct echo_dgram *dgram;
	unsigned long denied;
};

/* unixipc_sock.c */
int unixipc_addr_parse(const char *text, struct unixipc_addr *out, nh_error *err);
/* "stream", "seqpacket", "dgram" -> SOCK_*, or -EINVAL. */
int unixipc_type_parse(const char *text);
const char *unixipc_type_name(int type);
/* An octal file mode for a socket file, 1 to 0777. */
int unixipc_mode_parse(const char *text, mode_t *mode, nh_error *err);
/* Parse "0, 1000 www-data" (uids or user names) into a malloc'd array. */
int unixipc_uids_parse(const char *text, uid_t **list, int *n, nh_error *err);
/* Bind a datagram socket (replacing a stale socket file, never a live
 * one); stream and seqpacket listen through the echo pool's listener.
 * The fd, or -errno with the reason in err. */
int unixipc_bind_dgram(struct unixipc *u, nh_error *err);
/* Remove the datagram socket file if it is still the one we bound. */
void unixipc_unlink(struct unixipc *u);
/* A connected client socket (dgram: bound to an autobind name so the
 * server can answer); a stream connects within timeout_ms. fd or -errno
 * in err. */
int unixipc_connect(const struct unixipc_addr *a, int type, int64_t timeout_ms, nh_error *err);

/* unixipc.c: the service, also run by `unixipc serve`. */
void unixipc_defaults(struct unixipc *u);
int unixipc_start(void *state);
void unixipc_stop(void *state);
void unixipc_report(void *state);

/* unixipc_cli.c, unixipc_pair.c */
int unixipc_cmd(nh_ctx *ctx, int argc, char **argv);
int unixipc_pair(nh_ctx *ctx, int argc, char **argv);
/* Handle an option send and pair share (-T -s -c -t -q): 1 taken, 0 not
 * one of them, NH_EXIT_USAGE after reporting a bad value. */
int unixipc_job_option(nh_ctx *ctx, int c, struct echo_job *job, int *type);

#endif
