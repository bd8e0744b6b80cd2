/* unixipc: an echo service on a Unix domain socket.
 *
 * Service:  [unixipc NAME]
 *           path         = /run/nethost/echo.sock   ; or @name (abstract)
 *           type         = stream                   ; seqpacket, dgram
 *           mode         = 0600
 *           allow_uid    = 0, 1000                   ; SO_PEERCRED check
 *           max_clients  = 4096
 *           idle_timeout = 5m
 *           buffer       = 65536
 * CLI:      nethost unixipc serve|send|pair ... (unixipc_cli.c, unixipc_pair.c)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unixipc.h"

void unixipc_defaults(struct unixipc *u)
{
	u->type = SOCK_STREAM;
	u->mode = 0600;
	u->opts = (struct echo_opts)ECHO_OPTS_DEFAULT;
}

static int get_mode(const nh_section *sec, mode_t *mode)
{
	int line;
	const char *v = nh_conf_value(sec, "mode", 0, &line);
	nh_error err;

	if (v && unixipc_mode_parse(v, mode, &err) < 0)
		return nh_conf_error(sec, "mode", "%s", err.msg);
	return 0;
}

static int unixipc_create(nh_ctx *ctx, const nh_section *sec, void **state)
{
	struct unixipc *u = calloc(1, sizeof(*u));
	const char *path = NULL, *type = NULL;
	long max_clients, buffer;
	nh_error err;

	if (!u)
		return -ENOMEM;
	unixipc_defaults(u);
	u->ctx = ctx;
	int bad = nh_conf_get_str(sec, "path", NULL, &path) < 0;
	bad |= nh_conf_get_str(sec, "type", "stream", &type) < 0;
	bad |= get_mode(sec, &u->mode) < 0;
	bad |= nh_conf_get_int(sec, "max_clients", 4096, 1, 1000000, &max_clients) < 0;
	bad |= nh_conf_get_duration_ms(sec, "idle_timeout", 300000, &u->opts.idle_timeout_ms) < 0;
	bad |= nh_conf_get_int(sec, "buffer", 65536, 512, 16 << 20, &buffer) < 0;
	if (!path)
		bad |= nh_conf_error(sec, "path", "missing: a socket path or @name is required") < 0;
	else if (unixipc_addr_parse(path, &u->addr, &err) < 0)
		bad |= nh_conf_error(sec, "path", "%s", err.msg) < 0;
	if (type && (u->type = unixipc_type_parse(type)) < 0)
		bad |= nh_conf_error(sec, "type", "'%s': expected stream, seqpacket or dgram", type) < 0;
	if (!bad && u->addr.abstract && nh_conf_count(sec, "mode"))
		bad |= nh_conf_error(sec, "mode", "an abstract socket (@name) has no file mode") < 0;
	/* Every value of allow_uid adds to one list. */
	for (int i = 0; i < nh_conf_count(sec, "allow_uid"); i++) {
		uid_t *more;
		int n;
		if (unixipc_uids_parse(nh_conf_value(sec, "allow_uid", i, NULL), &more, &n, &err) < 0) {
			bad |= nh_conf_error(sec, "allow_uid", "%s", err.msg) < 0;
			continue;
		}
		uid_t *all = realloc(u->allow, (size_t)(u->n_allow + n) * sizeof(*all));
		if (all) {
			memcpy(all + u->n_allow, more, (size_t)n * sizeof(*more));
			u->allow = all;
			u->n_allow += n;
		}
		free(more);
		bad |= !all;
	}
	if (!bad && u->n_allow && u->type == SOCK_DGRAM)
		bad |= nh_conf_error(sec, "allow_uid",
				     "needs type stream or seqpacket (datagrams carry no peer credentials)") < 0;
	if (bad) {
		free(u->allow);
		free(u);
		return -EINVAL;
	}
	u->opts.max_clients = (unsigned)max_clients;
	u->opts.bufsize = (size_t)buffer;
	u->opts.packet = u->type == SOCK_SEQPACKET;
	*state = u;
	return 0;
}

static int uid_allowed(const struct unixipc *u, uid_t uid)
{
	if (!u->n_allow)
		return 1;
	for (int i = 0; i < u->n_allow; i++)
		if (u->allow[i] == uid)
			return 1;
	return 0;
}

static int admit(int fd, const struct sockaddr *sa, socklen_t salen, char *name, size_t size,
		 void *arg)
{
	struct unixipc *u = arg;
	/* The kernel recorded who connected; it cannot be forged. */
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len = sizeof(cred);

	(void)sa;
	(void)salen;
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
	snprintf(name, size, "pid %ld uid %ld", (long)cred.pid, (long)cred.uid);
	if (!uid_allowed(u, cred.uid)) {
		u->denied++;
		nh_notice(u->ctx, "%s: refused, uid not in allow_uid", name);
		return -EPERM;
	}
	return 0;
}

int unixipc_start(void *state)
{
	struct unixipc *u = state;
	nh_error err;
	int fd, r;

	if (u->type == SOCK_DGRAM) {
		r = fd = unixipc_bind_dgram(u, &err);
		if (fd >= 0 && !(u->dgram = echo_dgram_new(u->ctx, fd, u->opts.bufsize))) {
			r = nh_error_set(&err, errno, "%s: %s", u->addr.text, strerror(errno));
			close(fd);
		}
	} else if (!(u->pool = echo_pool_new(u->ctx, &u->opts))) {
		r = nh_error_set(&err, errno, "%s: %s", u->addr.text, strerror(errno));
	} else {
		r = echo_pool_listen_unix(u->pool, u->addr.text, u->type,
					  u->addr.abstract ? 0 : (int)u->mode, admit, u, &err);
	}
	if (r < 0) {
		nh_error(u->ctx, "%s", err.msg);
		unixipc_stop(u);
		return r;
	}
	if (u->addr.abstract)
		nh_info(u->ctx, "echo on %s (%s, abstract)", u->addr.text, unixipc_type_name(u->type));
	else
		nh_info(u->ctx, "echo on %s (%s, mode %04o)", u->addr.text,
			unixipc_type_name(u->type), (unsigned)u->mode);
	return 0;
}

/* Close the listener and remove its file; connected clients stay until
 * destroy. */
void unixipc_stop(void *state)
{
	struct unixipc *u = state;

	echo_pool_unlisten(u->pool);
	echo_dgram_free(u->dgram);
	u->dgram = NULL;
	unixipc_unlink(u);
}

static void unixipc_destroy(void *state)
{
	struct unixipc *u = state;

	unixipc_stop(u);
	echo_pool_free(u->pool);
	free(u->allow);
	free(u);
}

void unixipc_report(void *state)
{
	struct unixipc *u = state;
	struct echo_stats s = { 0 };

	if (u->pool)
		echo_pool_stats(u->pool, &s);
	else if (u->dgram)
		echo_dgram_stats(u->dgram, &s);
	nh_info(u->ctx,
		"%s: clients=%u accepted=%llu denied=%lu refused=%llu timeouts=%llu errors=%llu "
		"messages=%llu bytes=%llu",
		u->addr.text, s.active, (unsigned long long)s.accepted, u->denied,
		(unsigned long long)s.refused, (unsigned long long)s.timeouts,
		(unsigned long long)s.errors, (unsigned long long)s.messages,
		(unsigned long long)s.bytes);
}

static const struct nh_conf_key unixipc_keys[] = {
	{ .name = "path", .help = "socket file path, or @name for the abstract namespace (required)" },
	{ .name = "type", .help = "stream, seqpacket or dgram (default stream)" },
	{ .name = "mode", .help = "octal file mode of the socket (default 0600)" },
	{ .name = "allow_uid", .help = "uids or user names allowed to connect (default anyone)", .multi = 1 },
	{ .name = "max_clients", .help = "clients at once; more are refused (default 4096)" },
	{ .name = "idle_timeout", .help = "close a client silent this long, 0 never (default 5m)" },
	{ .name = "buffer", .help = "per-client buffer and largest message for seqpacket/dgram (default 65536)" },
	{ .name = NULL },
};

static const struct nh_command unixipc_commands[] = {
	{ "unixipc",
	  "unixipc serve [OPTIONS] PATH|@NAME\n"
	  "       nethost unixipc send [OPTIONS] PATH|@NAME [MESSAGE...]\n"
	  "       nethost unixipc pair [OPTIONS] [MESSAGE...]\n"
	  "\n"
	  "serve: echo on a Unix socket until SIGINT/SIGTERM. A stale socket file\n"
	  "(nothing listening) is replaced; the file is removed at exit.\n"
	  "  -T, --type TYPE         stream (default), seqpacket or dgram\n"
	  "  -m, --mode MODE         octal file mode (default 0600; not for @NAME)\n"
	  "  -a, --allow-uid UIDS    only these uids/users may connect (SO_PEERCRED)\n"
	  ECHO_SERVE_USAGE
	  "\n"
	  "send: send each MESSAGE, read the whole echo back, print it with the\n"
	  "round trip time.\n"
	  "  -T, --type TYPE         the server's socket type (default stream)\n"
	  ECHO_JOB_USAGE
	  ECHO_JSON_USAGE
	  "\n"
	  "pair: fork; parent and child exchange the messages over socketpair(),\n"
	  "each printing what it received (default message: hello). Options as\n"
	  "for send but --json; -T picks the socketpair's type.\n"
	  "Exit: 0 every echo came back intact, 1 one did not (or fork failed),\n"
	  "2 usage error.\n"
	  "\n"
	  "Examples:\n"
	  "  nethost unixipc serve /tmp/echo.sock\n"
	  "  nethost unixipc send /tmp/echo.sock hello\n"
	  "  nethost unixipc serve -T seqpacket -a 0,1000 @echo\n"
	  "  nethost unixipc send -T seqpacket -s 60000 -c 100 -q @echo\n"
	  "  nethost unixipc pair ping pong",
	  "Unix socket echo server and client, socketpair self-test", unixipc_cmd },
	{ NULL, NULL, NULL, NULL },
};

NH_PLUGIN_DEFINE(
	.name = "unixipc",
	.version = "1.0",
	.summary = "echo over Unix domain sockets (stream, seqpacket, dgram)",
	.keys = unixipc_keys,
	.create = unixipc_create,
	.start = unixipc_start,
	.stop = unixipc_stop,
	.destroy = unixipc_destroy,
	.report = unixipc_report,
	.commands = unixipc_commands,
);
