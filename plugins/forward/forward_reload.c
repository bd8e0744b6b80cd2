/* Reload without a gap. A reload creates the new instance of a changed
 * section before it stops and destroys the old one, tells the new one
 * which old one it replaces, then starts it (host/reload.c; the
 * descriptor's succeed() in <nethost/plugin.h>), all in one turn of the
 * loop. So:
 *
 *   succeed()  the new instance and the old one are linked;
 *   stop()     the old one hands each listening socket to it (a dup, so
 *              the socket and the clients in its accept queue live on);
 *   destroy()  the old one hands it its open connections and waiting
 *              PROXY clients too, and stays, as a predecessor, until
 *              they are done: they finish on the settings they began on;
 *   start()    the new one listens on the sockets it was given where its
 *              `listen` names the same address, and closes the others.
 *
 * No connect is refused and none is reset: the listening socket never
 * closes. The one exception is wanted: an upstream the new section no
 * longer names is drained. The connections relaying (or connecting) to
 * it close drain_timeout (the new section's) after the reload, those
 * that end before are just done; one timer per predecessor does it.
 * Only sockets pass between instances of the one plugin file in one
 * process, synchronously; a forwarder that is not started (a refused
 * reload, a CLI run) closes what it was given as it would its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"

/* Whichever end goes first cuts the link: the old one's destroy(), or,
 * should the new one go first, its start() or destroy(). */
static void cut(struct fwd *pred)
{
	if (pred->successor)
		pred->successor->replacing = NULL;
	pred->successor = NULL;
}

void fwd_succeed(struct fwd *f, struct fwd *pred)
{
	/* TCP to TCP only: UDP sessions do not move. */
	if (f->conf.udp || pred->conf.udp)
		return;
	fwd_stop_replacing(f);
	cut(pred);
	pred->successor = f;
	f->replacing = pred;
}

void fwd_stop_replacing(struct fwd *f)
{
	if (f->replacing)
		cut(f->replacing);
}

void fwd_hand_listeners(struct fwd *f)
{
	struct fwd *h = f->successor;

	for (int i = 0; h && i < f->n_lfd; i++) {
		struct fwd_handed *more = realloc(h->handed, (size_t)(h->n_handed + 1) * sizeof(*more));
		if (!more)
			break; /* this one closes with the listener: a new bind */
		h->handed = more;
		int fd = dup(f->lfd[i].fd);
		if (fd < 0)
			break;
		h->handed[h->n_handed].fd = fd;
		h->handed[h->n_handed++].addr = f->lfd[i].addr;
	}
	f->n_lfd = 0;
}

int fwd_take_listener(struct fwd *f, const nh_addr *a)
{
	for (int i = 0; i < f->n_handed; i++)
		if (nh_addr_equal(&f->handed[i].addr, a)) {
			int fd = f->handed[i].fd;
			f->handed[i] = f->handed[--f->n_handed];
			return fd;
		}
	return -1;
}

void fwd_close_handed(struct fwd *f)
{
	for (int i = 0; i < f->n_handed; i++)
		close(f->handed[i].fd);
	free(f->handed);
	f->handed = NULL;
	f->n_handed = 0;
}

/* Counters of a predecessor: its series went with its context, the
 * connections it still relays count on in its own storage. */
static void rehome_stats(struct fwd *p)
{
	struct fwd_stats *st = &p->st;
	nh_counter *series[] = { st->accepted, st->refused, st->failed, st->closed,
				 st->bytes_up, st->bytes_down, st->emfile };
	uint64_t v[sizeof(series) / sizeof(series[0])];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		v[i] = series[i]->value;
	fwd_stats_init(st);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		st->own[i].value = v[i];
	for (int i = 0; i < p->conf.n_up; i++) {
		struct fwd_upstream *u = &p->ups[i];
		nh_counter **c[4] = { &u->connected, &u->failed, &u->check_ok, &u->check_failed };
		for (int k = 0; k < 4; k++) {
			u->own[k].value = (*c[k])->value;
			*c[k] = &u->own[k];
		}
		u->up_g = &u->own_g[0];
		u->active_g = &u->own_g[1];
		u->admin_g = &u->own_g[2];
	}
}

/* "10s", "500ms": a drain as the log lines say it. */
static const char *ms_text(int64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

static int names_upstream(const struct fwd *h, const nh_addr *a)
{
	for (int i = 0; i < h->conf.n_up; i++)
		if (nh_addr_equal(&h->conf.up[i], a))
			return 1;
	return 0;
}

/* The timer of p: close the connections of every removed upstream whose
 * drain is over; come back for the next one due. */
static int64_t drain_due(nh_loop *loop, void *arg)
{
	struct fwd *p = arg;
	int64_t now = nh_loop_now_ms(loop), next = -1;

	for (int i = 0; i < p->conf.n_up; i++) {
		struct fwd_upstream *u = &p->ups[i];
		if (!u->removed)
			continue;
		if (u->drain_at_ms > now) {
			if (next < 0 || u->drain_at_ms < next)
				next = u->drain_at_ms;
			continue;
		}
		char why[96], d[32];
		snprintf(why, sizeof(why), "upstream removed by reload: closed after the %s drain",
			 ms_text(u->drain_ms, d, sizeof(d)));
		/* Its last one going defers p's reap: p lives through this call. */
		fwd_conn_close_upstream(p, i, why);
	}
	if (next >= 0)
		return next - now;
	p->drain = NULL; /* the loop frees it as we return STOP */
	return NH_TIMER_STOP;
}

/* p's heir is now h: p's upstreams h does not name are drained from now
 * on, for h's drain_timeout (those removed by an earlier reload keep their
 * deadline; one h names again is spared). A removed upstream is also out
 * of the choice (drain), so no fail-over of p's connects goes to it. */
static void drain_plan(struct fwd *p, struct fwd *h)
{
	int64_t now = nh_loop_now_ms(p->loop), next = -1;

	for (int i = 0; i < p->conf.n_up; i++) {
		struct fwd_upstream *u = &p->ups[i];
		if (names_upstream(h, &u->addr)) {
			u->removed = 0;
			continue;
		}
		if (!u->removed) {
			u->removed = 1;
			u->admin = FWD_ADMIN_DRAIN;
			u->drain_ms = h->conf.drain_timeout_ms;
			u->drain_at_ms = now + u->drain_ms;
			char d[32];
			if (u->active)
				nh_info(h->ctx, "upstream %s removed: its %ld connection%s after the %s "
					"drain", u->name, u->active, u->active == 1 ? " closes" : "s close",
					ms_text(u->drain_ms, d, sizeof(d)));
		}
		if (next < 0 || u->drain_at_ms < next)
			next = u->drain_at_ms;
	}
	if (next < 0) {
		fwd_drain_stop(p);
		return;
	}
	int64_t delay = next > now ? next - now : 0;
	if (p->drain)
		nh_timer_reset(p->drain, delay);
	else if (!(p->drain = nh_timer_add(p->loop, delay, drain_due, p)))
		nh_warn(h->ctx, "cannot add the drain timer (%s): connections to removed upstreams "
			"relay on until they end", strerror(errno));
}

void fwd_drain_stop(struct fwd *f)
{
	nh_timer_del(f->drain);
	f->drain = NULL;
}

int fwd_hand_connections(struct fwd *f)
{
	struct fwd *h = f->successor;

	cut(f); /* f hands over now or never */
	if (!h || (!f->conns && !f->waiting && !f->preds))
		return 0;
	rehome_stats(f);
	/* f's own predecessors go along: h outlives them all. */
	while (f->preds) {
		struct fwd *p = f->preds;
		f->preds = p->pred_next;
		p->pred_next = h->preds;
		h->preds = p;
		p->heir = h;
		p->ctx = h->ctx;
	}
	f->heir = h;
	f->ctx = h->ctx; /* f's context is freed once destroy() returns */
	f->pred_next = h->preds;
	h->preds = f;
	nh_info(h->ctx, "%ld connection%s of the previous settings relayed on until they end",
		f->st.active, f->st.active == 1 ? "" : "s");
	for (struct fwd *p = h->preds; p; p = p->pred_next)
		drain_plan(p, h);
	/* Handed over for its predecessors' sake only, f itself is done. */
	fwd_pred_check_done(f);
	return 1;
}

static void reap(nh_loop *loop, void *arg)
{
	struct fwd *p = arg, *h = p->heir;

	p->reap = NULL; /* the loop frees it after this call */
	for (struct fwd **q = &h->preds; *q; q = &(*q)->pred_next)
		if (*q == p) {
			*q = p->pred_next;
			break;
		}
	p->heir = NULL;
	fwd_release(p);
}

void fwd_pred_check_done(struct fwd *p)
{
	/* Not from here: a connection's close is still on the stack. */
	if (p->heir && !p->conns && !p->waiting && !p->reap)
		p->reap = nh_defer_add(p->loop, reap, p);
}

void fwd_preds_free(struct fwd *f)
{
	while (f->preds) {
		struct fwd *p = f->preds;
		f->preds = p->pred_next;
		nh_defer_del(p->reap);
		p->reap = NULL;
		p->heir = NULL;
		fwd_release(p);
	}
}
