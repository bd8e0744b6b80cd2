/* accept_proxy: a client's first bytes must be a PROXY header (v1 or v2,
 * told apart by their signature). Until it is whole the client waits
 * here, never longer than connect_timeout; then the addresses inside are
 * the client for allow/deny, the logs, send_proxy and balance = source.
 *
 * Never a byte past the header is taken off the socket: each read peeks,
 * and consumes either what the parser says is all header so far, or the
 * header's exact rest. What the client sent after it stays in the socket
 * for the relay.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward.h"
#include "forward_proxy.h"

struct fwd_wait {
	struct fwd *f;
	struct fwd_wait *prev, *next;
	int fd;
	nh_io *io;
	nh_timer *timeout;
	nh_addr peer;
	size_t have;
	uint8_t buf[FWD_PROXY_V2_MAX];
};

/* Forget w; close its fd unless it was handed on (fd < 0). */
static void wait_end(struct fwd_wait *w)
{
	struct fwd *f = w->f;

	nh_timer_del(w->timeout);
	if (w->io)
		nh_io_del(w->io);
	if (w->fd >= 0) {
		close(w->fd);
		fwd_conn_gone(f);
	}
	if (w->prev)
		w->prev->next = w->next;
	else
		f->waiting = w->next;
	if (w->next)
		w->next->prev = w->prev;
	free(w);
}

static void wait_refuse(struct fwd_wait *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void wait_refuse(struct fwd_wait *w, const char *fmt, ...)
{
	char why[160], peer[NH_ADDR_STRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	nh_counter_inc(w->f->st.refused);
	nh_info(w->f->ctx, "%s: %s; closed", nh_addr_format(&w->peer, 1, peer, sizeof(peer)), why);
	wait_end(w);
}

/* The first bytes, in hex, for the log line of a bad header. */
static const char *first_bytes(const uint8_t *b, size_t n, char *out, size_t len)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && i < 12 && at + 4 < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%02x", i ? " " : "", b[i]);
	return out;
}

static void header_done(struct fwd_wait *w, const struct fwd_proxy_hdr *h)
{
	struct fwd *f = w->f;
	nh_addr client = h->local ? w->peer : h->src;
	char text[NH_ADDR_STRLEN], orig[NH_ADDR_STRLEN];

	if (!fwd_acl_permits(&f->conf, &client.u.sa)) {
		wait_refuse(w, "client %s (PROXY v%d) refused by allow/deny",
			    nh_addr_format(&client, 1, text, sizeof(text)), h->version);
		return;
	}
	nh_debug(f->ctx, "%s: PROXY v%d header, client %s", nh_addr_format(&w->peer, 1, orig, sizeof(orig)),
		 h->version, h->local ? "(the connection's own)" : nh_addr_format(&client, 1, text, sizeof(text)));
	int fd = w->fd;
	nh_io_del(w->io);
	w->io = NULL;
	if (fwd_conn_new(f, fd, &client, h->local ? NULL : &h->dst) < 0) {
		wait_refuse(w, "out of memory");
		return;
	}
	w->fd = -1; /* the relay's now */
	wait_end(w);
}

static void wait_read(nh_loop *loop, int fd, int events, void *arg)
{
	struct fwd_wait *w = arg;
	struct fwd_proxy_hdr h;
	char hex[64];

	ssize_t n = recv(fd, w->buf + w->have, sizeof(w->buf) - w->have, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		wait_refuse(w, "waiting for the PROXY header: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		wait_refuse(w, "closed %s", w->have ? "in the middle of its PROXY header"
						     : "before sending a PROXY header");
		return;
	}
	int r = fwd_proxy_parse(w->buf, w->have + (size_t)n, &h);
	if (r < 0) {
		if (r == -E2BIG)
			wait_refuse(w, "PROXY v2 header longer than %d bytes", FWD_PROXY_V2_MAX);
		else
			wait_refuse(w, "no valid PROXY header (starts %s)",
				    first_bytes(w->buf, w->have + (size_t)n, hex, sizeof(hex)));
		return;
	}
	/* Consume the header only: its rest, or all peeked when all of it
	 * is header so far. */
	size_t take = r > 0 ? (size_t)r - w->have : (size_t)n;
	ssize_t got = recv(fd, w->buf + w->have, take, 0);
	if (got != (ssize_t)take) {
		wait_refuse(w, "reading the PROXY header: %s", got < 0 ? strerror(errno) : "short read");
		return;
	}
	w->have += take;
	if (r > 0)
		header_done(w, &h);
}

static int64_t wait_timeout(nh_loop *loop, void *arg)
{
	struct fwd_wait *w = arg;

	w->timeout = NULL; /* the loop frees it as we return STOP */
	wait_refuse(w, "no whole PROXY header within %lld ms (%zu bytes of it)",
		    (long long)w->f->conf.connect_timeout_ms, w->have);
	return NH_TIMER_STOP;
}

int fwd_wait_proxy(struct fwd *f, int fd, const nh_addr *peer)
{
	struct fwd_wait *w = malloc(sizeof(*w));

	if (!w)
		return -ENOMEM;
	memset(w, 0, offsetof(struct fwd_wait, buf));
	w->f = f;
	w->fd = fd;
	w->peer = *peer;
	w->io = nh_io_add(f->loop, fd, NH_READ, wait_read, w);
	w->timeout = nh_timer_add(f->loop, f->conf.connect_timeout_ms, wait_timeout, w);
	if (!w->io || !w->timeout) {
		nh_io_del(w->io);
		nh_timer_del(w->timeout);
		free(w);
		return -ENOMEM;
	}
	w->next = f->waiting;
	if (f->waiting)
		f->waiting->prev = w;
	f->waiting = w;
	return 0;
}

void fwd_wait_close_all(struct fwd *f)
{
	while (f->waiting)
		wait_end(f->waiting);
}
