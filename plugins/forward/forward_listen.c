/* The forwarder's listening side: one nh_listener over every `listen`
 * address (it accepts in batches, pauses when fds run out and at
 * max_connections), allow/deny as its filter, clients handed to the relay. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"

struct fwd *fwd_new(nh_ctx *ctx, struct fwd_conf *conf)
{
	struct fwd *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->ctx = ctx;
	f->loop = nh_ctx_loop(ctx);
	f->fds_log_ms = f->full_log_ms = -1;
	fwd_stats_init(&f->st);
	f->conf = *conf; /* takes ownership */
	memset(conf, 0, sizeof(*conf));
	if (fwd_upstreams_new(f) < 0) {
		*conf = f->conf; /* still the caller's */
		free(f);
		return NULL;
	}
	/* read()/write() instead of splice(): to compare, to test the
	 * fallback, or to step around a kernel whose splice misbehaves. */
	const char *ns = getenv("NETHOST_FORWARD_NO_SPLICE");
	f->no_splice = ns && *ns && strcmp(ns, "0") != 0;
	return f;
}

/* The listener counts its fd-shortage pauses; the accept-pauses counter
 * shows that count. Copied whenever a client comes or goes and before
 * the counters are logged or the listener freed: a pause always ends in
 * an accept (or another pause), so the counter lags by one pause at most. */
static void sync_pauses(struct fwd *f)
{
	struct nh_listener_stats st = NH_LISTENER_STATS_INIT;

	if (!f->listener)
		return;
	nh_listener_stats(f->listener, &st);
	f->st.emfile->value = st.fd_pauses;
}

/* For lines that repeat while a condition lasts: once a second at most. */
static int log_due(struct fwd *f, int64_t *last)
{
	int64_t now = nh_loop_now_ms(f->loop);

	if (*last >= 0 && now - *last < 1000)
		return 0;
	*last = now;
	return 1;
}

void fwd_out_of_fds(struct fwd *f, int err)
{
	if (log_due(f, &f->fds_log_ms))
		nh_warn(f->ctx, "upstream socket: %s; clients wait for an fd (%ld connections open)",
			strerror(err), f->st.active);
	/* Taking more clients now would only starve them too. */
	nh_listener_pause(f->listener, err);
}

/* Quiet for a while: give the pooled pipes back to the system. */
static int64_t trim_pool(nh_loop *loop, void *arg)
{
	struct fwd *f = arg;

	f->trim = NULL;
	if (f->st.active == 0)
		fwd_pool_free(f);
	return NH_TIMER_STOP;
}

void fwd_conn_gone(struct fwd *f)
{
	nh_listener_release(f->listener); /* NULL once stopped: ignored */
	sync_pauses(f);
	if (f->st.active == 0 && f->n_pool > 0 && !f->trim)
		f->trim = nh_timer_add(f->loop, FWD_TRIM_MS, trim_pool, f);
	fwd_pred_check_done(f);
}

static nh_addr peer_addr(const struct sockaddr *sa, socklen_t salen)
{
	nh_addr a;

	memset(&a, 0, sizeof(a));
	if (salen > sizeof(a.u))
		salen = sizeof(a.u);
	memcpy(&a.u, sa, salen);
	a.len = salen;
	return a;
}

/* Every client taken off a listener counts as accepted, refused ones too. */
static int acl_filter(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct fwd *f = arg;
	char text[NH_ADDR_STRLEN];

	nh_counter_inc(f->st.accepted);
	sync_pauses(f);
	/* Behind a proxy the client is the one its header names: checked
	 * once the header is in (forward_accept_proxy.c). */
	if (f->conf.accept_proxy || fwd_acl_permits(&f->conf, sa))
		return 0;
	nh_counter_inc(f->st.refused);
	nh_addr peer = peer_addr(sa, salen);
	nh_info(f->ctx, "%s: refused by allow/deny", nh_addr_format(&peer, 1, text, sizeof(text)));
	return -EACCES;
}

static void client_accepted(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct fwd *f = arg;
	nh_addr peer = peer_addr(sa, salen);

	int r = f->conf.accept_proxy ? fwd_wait_proxy(f, fd, &peer) : fwd_conn_new(f, fd, &peer, NULL);
	if (r < 0) {
		char text[NH_ADDR_STRLEN];
		nh_warn(f->ctx, "%s: out of memory; closed",
			nh_addr_format(&peer, 1, text, sizeof(text)));
		close(fd);
		fwd_conn_gone(f);
		return;
	}
	/* The listener leaves the rest in the backlog until one closes. */
	if (f->listener && nh_listener_active(f->listener) >= (unsigned long)f->conf.max_conns &&
	    log_due(f, &f->full_log_ms))
		nh_notice(f->ctx, "max_connections (%ld) reached; pausing accepts",
			  f->conf.max_conns);
}

/* A listening socket for a, with TCP_NODELAY set on it: accepted
 * clients inherit it, one call here and none per client. */
static int listen_on(struct fwd *f, const nh_addr *a)
{
	nh_error err;
	/* On a reload, the socket of the instance replaced: its accept
	 * queue and all, nothing refused in between. */
	int one = 1, fd = fwd_take_listener(f, a);

	if (fd < 0 && (fd = nh_listen_tcp(a, 0, 0, &err)) < 0) {
		nh_error(f->ctx, "listen %s", err.msg);
		return fd;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct fwd_handed *more = realloc(f->lfd, (size_t)(f->n_lfd + 1) * sizeof(*more));
	if (!more) {
		close(fd);
		nh_error(f->ctx, "listen: out of memory");
		return -ENOMEM;
	}
	f->lfd = more;
	f->lfd[f->n_lfd].fd = fd;
	f->lfd[f->n_lfd++].addr = *a;
	int r = nh_listener_add_fd(f->listener, fd, &err);
	if (r < 0) {
		f->n_lfd--; /* closed by the listener already */
		nh_error(f->ctx, "listen %s", err.msg);
	}
	return r;
}

int fwd_start(struct fwd *f)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	int r = fwd_metrics_open(f);

	fwd_stop_replacing(f);
	if (r < 0 || (r = fwd_upstream_metrics_open(f)) < 0)
		return r;
	o.max_clients = (unsigned)f->conf.max_conns;
	o.at_max = NH_LISTEN_PAUSE;
	o.filter = acl_filter;
	o.on_accept = client_accepted;
	o.arg = f;
	if (!(f->listener = nh_listener_new(f->ctx, &o))) {
		r = -errno;
		nh_error(f->ctx, "cannot make a listener: %s", strerror(-r));
		return r;
	}
	for (int i = 0; i < f->conf.n_listen; i++)
		if ((r = listen_on(f, &f->conf.listen[i])) < 0) {
			fwd_stop(f);
			return r;
		}
	fwd_close_handed(f); /* addresses no longer listened on */
	if ((r = fwd_checks_start(f)) < 0) {
		fwd_stop(f);
		return r;
	}
	static const char *const how[] = { "first", "roundrobin", "leastconn", "source" };
	char l[NH_ADDR_STRLEN], u[NH_ADDR_STRLEN], more[64] = "";
	if (f->conf.n_up > 1 && f->conf.balance == FWD_FIRST)
		snprintf(more, sizeof(more), " and its fail-overs");
	else if (f->conf.n_up > 1)
		snprintf(more, sizeof(more), " and %d more, %s", f->conf.n_up - 1,
			 how[f->conf.balance]);
	for (int i = 0; i < f->conf.n_listen; i++)
		nh_notice(f->ctx, "listening on %s%s, relaying to %s%s%s%s",
			  nh_addr_format(&f->conf.listen[i], 1, l, sizeof(l)),
			  f->conf.tls_down ? " (TLS)" : "",
			  nh_addr_format(&f->conf.up[0], 1, u, sizeof(u)),
			  f->conf.tls_up ? " over TLS" : "", more,
			  f->conf.check ? ", checked" : "");
	const char *warn = fwd_tls_warning(&f->conf);
	if (warn)
		nh_warn(f->ctx, "%s", warn);
	return 0;
}

/* Stop accepting; the connections open go on until fwd_free(). */
void fwd_stop(struct fwd *f)
{
	sync_pauses(f);
	fwd_hand_listeners(f);
	nh_listener_free(f->listener);
	f->listener = NULL;
	nh_timer_del(f->trim);
	f->trim = NULL;
	fwd_checks_stop(f);
}

void fwd_free(struct fwd *f)
{
	if (!f)
		return;
	fwd_stop(f);
	fwd_stop_replacing(f);
	if (!fwd_hand_connections(f))
		fwd_release(f);
}

void fwd_release(struct fwd *f)
{
	fwd_stop(f);
	fwd_drain_stop(f);
	fwd_wait_close_all(f);
	fwd_conn_close_all(f);
	fwd_preds_free(f);
	nh_timer_del(f->trim); /* the closes above may have armed it */
	fwd_pool_free(f);
	fwd_close_handed(f);
	free(f->lfd);
	fwd_upstreams_free(f);
	fwd_tls_abort(f);
	fwd_conf_free(&f->conf);
	free(f);
}

void fwd_report(struct fwd *f)
{
	const struct fwd_stats *s = &f->st;
	int full = f->listener &&
		   nh_listener_active(f->listener) >= (unsigned long)f->conf.max_conns;

	sync_pauses(f);
	nh_info(f->ctx,
		"accepted=%llu refused=%llu failed=%llu active=%ld closed=%llu "
		"bytes_up=%llu bytes_down=%llu emfile_pauses=%llu%s",
		(unsigned long long)s->accepted->value, (unsigned long long)s->refused->value,
		(unsigned long long)s->failed->value, s->active, (unsigned long long)s->closed->value,
		(unsigned long long)s->bytes_up->value, (unsigned long long)s->bytes_down->value,
		(unsigned long long)s->emfile->value, full ? " (accepts paused)" : "");
	if (f->conf.n_up > 1 || f->conf.check)
		fwd_upstreams_report(f);
}
