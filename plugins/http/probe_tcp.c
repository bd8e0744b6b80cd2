/* /probe module tcp_connect: one TCP handshake with the target
 * (host:port), closed at once. Success: the handshake completed before
 * the deadline. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

static void connected(int fd, int result, void *arg)
{
	struct probe *p = arg;

	p->engine = NULL; /* nh_connect frees itself after this call */
	if (fd >= 0)
		close(fd);
	p->success = result == 0;
	if (result < 0)
		probe_fail(p, "connect: %s", strerror(-result));
	probe_done(p);
}

static int tcp_start(struct probe *p)
{
	p->engine = nh_connect_start(nh_ctx_loop(p->h->ctx), &p->addr, probe_left_ms(p), connected, p);
	if (!p->engine) {
		int e = errno;
		probe_fail(p, "connect: %s", strerror(e));
		return -e;
	}
	return 0;
}

static void tcp_cancel(struct probe *p)
{
	nh_connect_cancel(p->engine);
	p->engine = NULL;
}

static void tcp_render(struct probe *p, struct probe_out *out)
{
	(void)p;
	/* No query_response in this module: nothing to fail on. */
	probe_gauge(out, "probe_failed_due_to_regex", "1 when a regular expression check failed",
		    NULL, 0);
}

const struct probe_module probe_tcp = {
	.name = "tcp_connect",
	.resolve = 1,
	.need_port = 1,
	.start = tcp_start,
	.cancel = tcp_cancel,
	.render = tcp_render,
};
