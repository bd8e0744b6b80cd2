/* Listeners: accept in batches, apply allow/deny, hand clients to the
 * relay; pause on max_connections and on EMFILE, resume when possible. */
#include <errno.h>
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
	fwd_stats_init(&f->st);
	f->conf = *conf; /* takes ownership */
	memset(conf, 0, sizeof(*conf));
	/* read()/write() instead of splice(): to compare, to test the
	 * fallback, or to step around a kernel whose splice misbehaves. */
	const char *ns = getenv("NETHOST_FORWARD_NO_SPLICE");
	f->no_splice = ns && *ns && strcmp(ns, "0") != 0;
	return f;
}

static void listeners_watch(struct fwd *f)
{
	for (int i = 0; i < f->n_lis; i++)
		nh_io_set(f->lis[i].io, f->paused ? 0 : NH_READ);
}

static int64_t resume_accept(nh_loop *loop, void *arg)
{
	struct fwd *f = arg;

	f->resume = NULL;
	f->paused &= ~FWD_PAUSE_EMFILE;
	listeners_watch(f);
	return NH_TIMER_STOP;
}

/* Out of fds: stop accepting for a moment rather than spin on a
 * listener that stays readable. One log line a second at most. */
void fwd_pause_emfile(struct fwd *f, int err)
{
	int64_t now = nh_loop_now_ms(f->loop);

	if (f->paused & FWD_PAUSE_EMFILE)
		return;
	nh_counter_inc(f->st.emfile);
	if (f->emfile_log_ms == 0 || now - f->emfile_log_ms >= 1000) {
		nh_warn(f->ctx, "%s; pausing accepts for %d ms (%ld connections open, %llu pauses)",
			strerror(err), FWD_EMFILE_PAUSE_MS, f->st.active,
			(unsigned long long)f->st.emfile->value);
		f->emfile_log_ms = now;
	}
	f->resume = nh_timer_add(f->loop, FWD_EMFILE_PAUSE_MS, resume_accept, f);
	if (!f->resume)
		return; /* cannot pause safely: keep accepting */
	f->paused |= FWD_PAUSE_EMFILE;
	listeners_watch(f);
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
	if (f->st.active == 0 && f->n_pool > 0 && !f->trim)
		f->trim = nh_timer_add(f->loop, FWD_TRIM_MS, trim_pool, f);
	if ((f->paused & FWD_PAUSE_FULL) && f->st.active < f->conf.max_conns) {
		f->paused &= ~FWD_PAUSE_FULL;
		listeners_watch(f);
	}
}

static void on_accept(nh_loop *loop, int lfd, int events, void *arg)
{
	struct fwd_listener *l = arg;
	struct fwd *f = l->f;

	for (int i = 0; i < FWD_ACCEPT_BATCH; i++) {
		if (f->st.active >= f->conf.max_conns) {
			/* Leave the rest in the backlog until one closes. */
			if (!(f->paused & FWD_PAUSE_FULL))
				nh_notice(f->ctx, "max_connections (%ld) reached; pausing accepts",
					  f->conf.max_conns);
			f->paused |= FWD_PAUSE_FULL;
			listeners_watch(f);
			return;
		}
		nh_addr peer;
		peer.len = sizeof(peer.u);
		int fd = accept4(lfd, &peer.u.sa, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				fwd_pause_emfile(f, errno);
				return;
			case EAGAIN:
				return;
			default:
				nh_error(f->ctx, "accept: %s", strerror(errno));
				return;
			}
		}
		nh_counter_inc(f->st.accepted);
		if (!fwd_acl_permits(&f->conf, &peer.u.sa)) {
			char text[NH_ADDR_STRLEN];
			nh_counter_inc(f->st.refused);
			nh_info(f->ctx, "%s: refused by allow/deny",
				nh_addr_format(&peer, 1, text, sizeof(text)));
			close(fd);
			continue;
		}
		fwd_conn_new(f, fd, &peer);
	}
}

int fwd_start(struct fwd *f)
{
	int r = fwd_metrics_open(f);
	if (r < 0)
		return r;
	f->lis = calloc((size_t)f->conf.n_listen, sizeof(*f->lis));
	if (!f->lis)
		return -ENOMEM;
	for (int i = 0; i < f->conf.n_listen; i++) {
		struct fwd_listener *l = &f->lis[i];
		nh_error err;
		l->f = f;
		l->addr = f->conf.listen[i];
		l->fd = nh_listen_tcp(&l->addr, 0, 0, &err);
		if (l->fd < 0) {
			nh_error(f->ctx, "listen %s", err.msg);
			int rc = l->fd;
			fwd_stop(f);
			return rc;
		}
		f->n_lis++;
		/* Accepted clients inherit it: one call here, none per client. */
		int one = 1;
		setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!(l->io = nh_io_add(f->loop, l->fd, NH_READ, on_accept, l))) {
			int rc = -errno;
			nh_error(f->ctx, "cannot watch listener: %s", strerror(errno));
			fwd_stop(f);
			return rc;
		}
	}
	char l[NH_ADDR_STRLEN], u[NH_ADDR_STRLEN];
	for (int i = 0; i < f->n_lis; i++)
		nh_notice(f->ctx, "listening on %s, relaying to %s%s",
			  nh_addr_format(&f->lis[i].addr, 1, l, sizeof(l)),
			  nh_addr_format(&f->conf.up[0], 1, u, sizeof(u)),
			  f->conf.n_up > 1 ? " and its fail-overs" : "");
	return 0;
}

void fwd_stop(struct fwd *f)
{
	for (int i = 0; i < f->n_lis; i++) {
		nh_io_del(f->lis[i].io);
		close(f->lis[i].fd);
	}
	free(f->lis);
	f->lis = NULL;
	f->n_lis = 0;
	nh_timer_del(f->resume);
	f->resume = NULL;
	nh_timer_del(f->trim);
	f->trim = NULL;
}

void fwd_free(struct fwd *f)
{
	if (!f)
		return;
	fwd_stop(f);
	fwd_conn_close_all(f);
	nh_timer_del(f->trim); /* the closes above may have armed it */
	fwd_pool_free(f);
	fwd_conf_free(&f->conf);
	free(f);
}

void fwd_report(struct fwd *f)
{
	const struct fwd_stats *s = &f->st;
	nh_info(f->ctx,
		"accepted=%llu refused=%llu failed=%llu active=%ld closed=%llu "
		"bytes_up=%llu bytes_down=%llu emfile_pauses=%llu%s",
		(unsigned long long)s->accepted->value, (unsigned long long)s->refused->value,
		(unsigned long long)s->failed->value, s->active, (unsigned long long)s->closed->value,
		(unsigned long long)s->bytes_up->value, (unsigned long long)s->bytes_down->value,
		(unsigned long long)s->emfile->value,
		f->paused ? " (accepts paused)" : "");
}
