/* http: accepting clients and driving libmicrohttpd.
 *
 * MHD runs in its external-loop mode without a listening socket
 * (MHD_USE_NO_LISTEN_SOCKET): it keeps its own epoll set of client
 * connections, whose one fd the SDK loop watches, and a timer follows
 * MHD_get_timeout(). We accept and hand each client over with
 * MHD_add_connection(), so the connection limit and running out of fds
 * are ours to handle: MHD's own accept path left the listener out of
 * its epoll set for good once the limit was reached, and spun logging
 * on EMFILE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

#define HTTP_MAX_WAIT_MS 60000	/* when MHD has no deadline, look anyway */
#define HTTP_ACCEPT_BATCH 16	/* accepts per wakeup, then let others run */
#define HTTP_EMFILE_PAUSE_MS 100
#define HTTP_MHD_LOG_BURST 5	/* MHD messages logged a second, at most */

enum { HTTP_PAUSE_FULL = 1, HTTP_PAUSE_EMFILE = 2 };

/* MHD's own messages through the instance's log (they end in '\n'),
 * at most a few a second: a client can make MHD complain at will. */
__attribute__((format(printf, 2, 0)))
static void http_mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct http *h = arg;
	int64_t now = nh_loop_now_ms(nh_ctx_loop(h->ctx));
	char msg[512];

	if (now - h->mhd_log_ms >= 1000) {
		if (h->mhd_dropped)
			nh_warn(h->ctx, "libmicrohttpd: %u more messages not logged", h->mhd_dropped);
		h->mhd_log_ms = now;
		h->mhd_logged = 0;
		h->mhd_dropped = 0;
	}
	if (h->mhd_logged >= HTTP_MHD_LOG_BURST) {
		h->mhd_dropped++;
		return;
	}
	h->mhd_logged++;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	nh_warn(h->ctx, "libmicrohttpd: %s", msg);
}

static unsigned int http_open_connections(struct http *h)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

static void http_listen_watch(struct http *h)
{
	nh_io_set(h->lio, h->paused ? 0 : NH_READ);
}

/* A slot freed: take clients again. Called after every MHD run, where
 * connections close. */
static void http_check_full(struct http *h)
{
	if ((h->paused & HTTP_PAUSE_FULL) && http_open_connections(h) < h->max_connections) {
		h->paused &= ~HTTP_PAUSE_FULL;
		http_listen_watch(h);
	}
}

/* Let MHD do what is ready, then the delay until it wants to run again. */
static int64_t http_run(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG to;

	MHD_run(h->daemon);
	http_check_full(h);
	if (MHD_get_timeout(h->daemon, &to) != MHD_YES || to > HTTP_MAX_WAIT_MS)
		return HTTP_MAX_WAIT_MS;
	return (int64_t)to;
}

static void http_on_mhd(nh_loop *loop, int fd, int events, void *arg)
{
	struct http *h = arg;

	(void)loop;
	(void)fd;
	(void)events;
	nh_timer_reset(h->mhd_timer, http_run(h));
}

static int64_t http_on_mhd_timer(nh_loop *loop, void *arg)
{
	(void)loop;
	return http_run(arg);
}

static int64_t http_resume(nh_loop *loop, void *arg)
{
	struct http *h = arg;

	(void)loop;
	h->resume = NULL;
	h->paused &= ~HTTP_PAUSE_EMFILE;
	http_listen_watch(h);
	return NH_TIMER_STOP;
}

/* Out of fds: the client stays in the backlog and the listener stays
 * readable, so stop watching it for a moment rather than spin. One log
 * line a second at most. */
static void http_pause_emfile(struct http *h, int err)
{
	int64_t now = nh_loop_now_ms(nh_ctx_loop(h->ctx));

	nh_counter_inc(h->accept_pauses);
	h->starved = 1;
	if (h->emfile_log_ms == 0 || now - h->emfile_log_ms >= 1000) {
		nh_warn(h->ctx, "accept: %s; pausing accepts for %d ms (%u connections open, %llu pauses)",
			strerror(err), HTTP_EMFILE_PAUSE_MS, http_open_connections(h),
			(unsigned long long)h->accept_pauses->value);
		h->emfile_log_ms = now;
	}
	h->resume = nh_timer_add(nh_ctx_loop(h->ctx), HTTP_EMFILE_PAUSE_MS, http_resume, h);
	if (!h->resume)
		return; /* cannot pause safely: keep accepting */
	h->paused |= HTTP_PAUSE_EMFILE;
	http_listen_watch(h);
}

/* Accept until the backlog is empty, the batch is done or the limit is
 * reached; leave whoever is left in the backlog until a slot frees. */
static void http_on_accept(nh_loop *loop, int lfd, int events, void *arg)
{
	struct http *h = arg;

	(void)loop;
	(void)events;
	for (int i = 0; i < HTTP_ACCEPT_BATCH; i++) {
		if (http_open_connections(h) >= h->max_connections) {
			h->paused |= HTTP_PAUSE_FULL;
			http_listen_watch(h);
			break;
		}
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				http_pause_emfile(h, errno);
			else if (errno != EAGAIN)
				nh_error(h->ctx, "accept: %s", strerror(errno));
			break;
		}
		if (h->starved) {
			nh_notice(h->ctx, "accepting again");
			h->starved = 0;
		}
		/* On failure MHD has closed fd and said why in its log. */
		MHD_add_connection(h->daemon, fd, (struct sockaddr *)&ss, len);
	}
	/* Let MHD read what the new clients already sent. */
	nh_timer_reset(h->mhd_timer, http_run(h));
}

void http_server_kick(struct http *h)
{
	if (h->mhd_timer)
		nh_timer_reset(h->mhd_timer, 0);
}

void http_server_stop(struct http *h)
{
	/* MHD must not be stopped with suspended connections: answer them
	 * (503) and let MHD send that before it closes them all. */
	if (h->daemon && h->suspended) {
		http_req_abort_all(h);
		MHD_run(h->daemon);
	}
	nh_io_del(h->mhd_io);
	nh_timer_del(h->mhd_timer);
	nh_io_del(h->lio);
	nh_timer_del(h->resume);
	h->mhd_io = NULL;
	h->mhd_timer = NULL;
	h->lio = NULL;
	h->resume = NULL;
	h->paused = 0;
	h->starved = 0;
	if (h->daemon)
		MHD_stop_daemon(h->daemon); /* closes every client */
	h->daemon = NULL;
	if (h->lfd >= 0)
		close(h->lfd);
	h->lfd = -1;
}

int http_server_start(struct http *h)
{
	nh_loop *loop = nh_ctx_loop(h->ctx);
	char where[80];
	nh_error err;

	h->lfd = -1;
	nh_addr_format(&h->listen, 1, where, sizeof(where));
	int fd = nh_listen_tcp(&h->listen, 0, 0, &err);
	if (fd < 0) {
		nh_error(h->ctx, "listen %s: %s", where, err.msg);
		return fd;
	}
	h->lfd = fd;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET |
			     MHD_ALLOW_SUSPEND_RESUME;
	/* The logger first, or MHD prints its early messages itself. */
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_answer, h,
				     MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, h,
				     MHD_OPTION_NOTIFY_COMPLETED, http_request_done, h,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)h->max_connections,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)(h->idle_timeout_ms / 1000),
				     MHD_OPTION_END);
	if (!h->daemon) {
		nh_error(h->ctx, "libmicrohttpd refused to start on %s", where);
		http_server_stop(h);
		return -EIO;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || !(h->mhd_io = nh_io_add(loop, info->epoll_fd, NH_READ, http_on_mhd, h)) ||
	    !(h->mhd_timer = nh_timer_add(loop, 0, http_on_mhd_timer, h)) ||
	    !(h->lio = nh_io_add(loop, fd, NH_READ, http_on_accept, h))) {
		int e = info ? errno : EIO;
		nh_error(h->ctx, "cannot watch the listener or libmicrohttpd's epoll fd: %s",
			 strerror(e));
		http_server_stop(h);
		return -e;
	}
	nh_info(h->ctx, "serving /metrics and /status on http://%s/", where);
	return 0;
}
