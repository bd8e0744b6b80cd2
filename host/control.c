/* The control socket ([nethost] control = PATH): `nethost ctl` talks to
 * the running service through it.
 *
 * A Unix stream socket, mode 0600, owned by the service's user. A peer
 * must be root or that user (SO_PEERCRED), whatever the file's mode
 * says. One request a connection: a line of JSON, an array of strings
 * (["conns", "web"]), at most CTL_REQUEST_MAX bytes and within
 * CTL_REQUEST_MS of connecting; one response, a line of JSON, then the
 * host closes. Everything runs on the host's loop and never blocks it:
 * commands answer from memory, and a reload is the same transaction as
 * SIGHUP's. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "service_internal.h"

/* A client that sends no full request by then is dropped. */
#define CTL_REQUEST_MS 10000
/* Clients at once; more wait in the backlog. */
#define CTL_MAX_CLIENTS 64
/* Most words in a request. */
#define CTL_MAX_ARGS 64

struct ctl_conn;

struct control {
	struct service *svc;
	nh_ctx *ctx; /* "nethost/control": the listener and writers log through it */
	nh_listener *listener;
	char *path;
	struct ctl_conn *conns;
};

struct ctl_conn {
	struct control *c;
	struct ctl_conn *prev, *next;
	nh_writer *w;
	nh_listener *listener; /* it came from; NULL once that one is gone */
	nh_timer *deadline;
	int stop_after; /* `stop`: stop the loop once the response went */
	int answered;
	int draining;   /* answered an over-long request: read to EOF, then close */
	size_t len;
	char buf[CTL_REQUEST_MAX + 1];
};

static void conn_unlink(struct ctl_conn *cc)
{
	struct control *c = cc->c;

	if (cc->prev)
		cc->prev->next = cc->next;
	else
		c->conns = cc->next;
	if (cc->next)
		cc->next->prev = cc->prev;
	nh_timer_del(cc->deadline);
	nh_listener_release(cc->listener);
}

static void conn_closed(nh_writer *w, int error, void *arg)
{
	struct ctl_conn *cc = arg;
	struct control *c = cc->c;
	int stop = cc->stop_after;

	(void)w;
	if (error)
		nh_debug(c->ctx, "client gone: %s", strerror(-error));
	conn_unlink(cc);
	free(cc);
	if (stop) {
		host_logf(NH_LOG_NOTICE, "stop asked over the control socket");
		nh_loop_stop(c->svc->loop);
	}
}

/* Send resp (released here) as one line, then close. */
static void conn_answer(struct ctl_conn *cc, struct json_object *resp)
{
	const char *text = resp ? json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE)
				: NULL;
	int r;

	cc->answered = 1;
	if (!text)
		r = nh_writer_printf(cc->w, "{\"code\":1,\"error\":\"out of memory\"}\n");
	else if ((r = nh_writer_write(cc->w, text, strlen(text))) == 0)
		r = nh_writer_write(cc->w, "\n", 1);
	if (r == -ENOBUFS)
		nh_writer_printf(cc->w, "{\"code\":1,\"error\":\"response too large\"}\n");
	json_object_put(resp);
	/* Input left unread at close() resets the connection, which can
	 * destroy the response (a client still sending an over-long or
	 * refused request): end our side once the response is out, and
	 * read the client's rest away until it closes. `stop` does not
	 * wait for the client: its request was read whole. */
	if (!cc->stop_after && nh_writer_queued(cc->w) == 0 &&
	    shutdown(nh_writer_fd(cc->w), SHUT_WR) == 0) {
		cc->draining = 1;
		return;
	}
	nh_writer_close(cc->w, 1);
}

static void conn_fail(struct ctl_conn *cc, int code, const char *msg)
{
	struct json_object *o = json_object_new_object();

	if (o) {
		nh_json_add_int(o, "code", code);
		nh_json_add_str(o, "error", msg);
	}
	conn_answer(cc, o);
}

/* The request line in cc->buf: a JSON array of strings. */
static void conn_request(struct ctl_conn *cc)
{
	struct json_object *req = json_tokener_parse(cc->buf);
	char *argv[CTL_MAX_ARGS + 1];
	int argc = 0;

	if (!req || !json_object_is_type(req, json_type_array) ||
	    json_object_array_length(req) < 1 || json_object_array_length(req) > CTL_MAX_ARGS) {
		json_object_put(req);
		conn_fail(cc, NH_EXIT_USAGE, "bad request: want a JSON array of 1 to 64 strings");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(req); i++) {
		struct json_object *a = json_object_array_get_idx(req, i);
		if (!json_object_is_type(a, json_type_string)) {
			json_object_put(req);
			conn_fail(cc, NH_EXIT_USAGE, "bad request: every word must be a string");
			return;
		}
		argv[argc++] = (char *)json_object_get_string(a);
	}
	argv[argc] = NULL;
	nh_debug(cc->c->ctx, "request: %s", argv[0]);
	struct json_object *resp = ctl_dispatch(cc->c->svc, argc, argv, &cc->stop_after);
	json_object_put(req);
	conn_answer(cc, resp);
}

static void conn_readable(nh_writer *w, int fd, void *arg)
{
	struct ctl_conn *cc = arg;
	char sink[4096];
	ssize_t n = cc->draining ? read(fd, sink, sizeof(sink))
				 : read(fd, cc->buf + cc->len, CTL_REQUEST_MAX - cc->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* gone before a full request, or drained */
		nh_writer_close(w, 0);
		return;
	}
	if (cc->draining)
		return;
	cc->len += (size_t)n;
	cc->buf[cc->len] = '\0';
	char *nl = memchr(cc->buf, '\n', cc->len);
	if (nl) {
		*nl = '\0';
		conn_request(cc);
	} else if (cc->len == CTL_REQUEST_MAX) {
		conn_fail(cc, NH_EXIT_USAGE, "request too long (at most 16384 bytes)");
	}
}

static int64_t conn_timeout(nh_loop *loop, void *arg)
{
	struct ctl_conn *cc = arg;

	(void)loop;
	cc->deadline = NULL;
	if (!cc->answered)
		conn_fail(cc, NH_EXIT_USAGE, "no request within 10 s");
	else if (cc->draining)
		nh_writer_close(cc->w, 0);
	return NH_TIMER_STOP;
}

/* Root or the service's own user; 0 or -EACCES with why in msg. */
static int peer_allowed(int fd, char *msg, size_t len)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		snprintf(msg, len, "cannot tell who the peer is: %s", strerror(errno));
		return -EACCES;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return 0;
	snprintf(msg, len, "permission denied: uid %u (pid %ld) is neither root nor the service's "
		 "uid %u", (unsigned)cred.uid, (long)cred.pid, (unsigned)geteuid());
	return -EACCES;
}

static void conn_new(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct control *c = arg;
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct ctl_conn *cc = calloc(1, sizeof(*cc));
	char why[160];

	(void)sa, (void)salen;
	o.limit = 256u << 20; /* a response is built whole; big sweeps list many targets */
	o.on_readable = conn_readable;
	o.on_close = conn_closed;
	o.arg = cc;
	if (!cc || !(cc->w = nh_writer_new(c->ctx, fd, &o))) {
		free(cc);
		close(fd);
		nh_listener_release(c->listener);
		return;
	}
	cc->c = c;
	cc->listener = c->listener;
	cc->next = c->conns;
	if (c->conns)
		c->conns->prev = cc;
	c->conns = cc;
	if (peer_allowed(fd, why, sizeof(why)) < 0) {
		nh_warn(c->ctx, "refused: %s", why);
		conn_fail(cc, NH_EXIT_USAGE, why);
		return;
	}
	if (!(cc->deadline = nh_timer_add(c->svc->loop, CTL_REQUEST_MS, conn_timeout, cc)))
		conn_fail(cc, NH_EXIT_FAIL, "out of memory");
}

/* Close the listener (and unlink its file); clients stay. */
static void control_stop_listening(struct control *c)
{
	for (struct ctl_conn *cc = c->conns; cc; cc = cc->next)
		if (cc->listener == c->listener)
			cc->listener = NULL;
	nh_listener_free(c->listener);
	c->listener = NULL;
}

static void control_free(struct control *c)
{
	if (!c)
		return;
	control_stop_listening(c);
	while (c->conns) {
		struct ctl_conn *cc = c->conns;
		conn_unlink(cc);
		nh_writer_free(cc->w);
		free(cc);
	}
	host_ctx_free(c->ctx);
	free(c->path);
	free(c);
}

/* A listener on path for c, 0600, chowned to uid/gid when one is set.
 * NULL when it cannot be had (logged). */
static nh_listener *control_listen(struct control *c, const char *path, uid_t uid, gid_t gid)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	nh_listener *l;
	nh_error err;

	o.max_clients = CTL_MAX_CLIENTS;
	o.on_accept = conn_new;
	o.arg = c;
	if (!(l = nh_listener_new(c->ctx, &o))) {
		host_logf(NH_LOG_ERR, "control socket %s: %s", path, strerror(errno));
		return NULL;
	}
	if (nh_listener_add_unix(l, path, SOCK_STREAM, 0600, &err) < 0) {
		host_logf(NH_LOG_ERR, "control socket: %s", err.msg);
		nh_listener_free(l);
		return NULL;
	}
	/* Made before the service gives up root: hand it to the user it becomes. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) < 0) {
		host_logf(NH_LOG_ERR, "control socket %s: chown: %s", path, strerror(errno));
		nh_listener_free(l);
		return NULL;
	}
	host_logf(NH_LOG_INFO, "control socket on %s", path);
	return l;
}

int control_open(struct service *svc, const char *path, const struct host_settings *hs)
{
	struct control *c;

	if (!path)
		return 0;
	if (!(c = calloc(1, sizeof(*c))) || !(c->path = strdup(path)) ||
	    !(c->ctx = host_ctx_new(svc->loop, "nethost", "control"))) {
		host_logf(NH_LOG_ERR, "control socket %s: out of memory", path);
		control_free(c);
		return -ENOMEM;
	}
	c->svc = svc;
	if (!(c->listener = control_listen(c, path, hs->uid, hs->gid))) {
		control_free(c);
		return -EIO;
	}
	svc->control = c;
	return 0;
}

void control_apply(struct service *svc, const char *path)
{
	struct control *c = svc->control;

	if ((!c && !path) || (c && path && strcmp(c->path, path) == 0))
		return;
	if (!c) { /* switched on: the process is who it will stay */
		struct host_settings same = { .uid = (uid_t)-1, .gid = (gid_t)-1 };
		control_open(svc, path, &same);
		return;
	}
	if (!path) {
		host_logf(NH_LOG_INFO, "control socket %s closed", c->path);
		control_stop_listening(c);
		return;
	}
	char *copy = strdup(path);
	nh_listener *l = copy ? control_listen(c, path, (uid_t)-1, (gid_t)-1) : NULL;
	if (!l) {
		free(copy);
		host_logf(NH_LOG_ERR, "control socket stays on %s", c->path);
		return;
	}
	/* Clients of the old socket (the one that asked for this reload
	 * among them) keep their connection until answered. */
	control_stop_listening(c);
	c->listener = l;
	free(c->path);
	c->path = copy;
}

void control_close(struct service *svc)
{
	control_free(svc->control);
	svc->control = NULL;
}

const char *control_path(const struct service *svc)
{
	return svc->control->path;
}
