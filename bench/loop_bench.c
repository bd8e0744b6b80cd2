/* Event-loop micro-benchmark: the cost of the SDK loop's own work.
 *   timers: add N one-shot timers with spread delays, run until all fired;
 *   ping-pong: two pipes bounce one byte through two watchers N times.
 * Built and run by bench/loop.sh against the build tree's libnethost. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <nethost/loop.h>

static long fired;

static int64_t on_timer(nh_loop *loop, void *arg)
{
	fired++;
	return NH_TIMER_STOP;
}

struct pong {
	int in, out;
	long left;
	nh_loop *loop;
};

static void on_byte(nh_loop *loop, int fd, int events, void *arg)
{
	struct pong *p = arg;
	char c;
	if (read(fd, &c, 1) != 1)
		abort();
	if (--p->left <= 0) {
		nh_loop_stop(loop);
		return;
	}
	if (write(p->out, &c, 1) != 1)
		abort();
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	nh_loop *loop = nh_loop_new();

	int64_t t0 = nh_now_us();
	for (long i = 0; i < n; i++)
		nh_timer_add(loop, i % 50, on_timer, NULL);
	int64_t t1 = nh_now_us();
	nh_loop_run(loop);
	int64_t t2 = nh_now_us();
	printf("timers: %ld added in %.1f ms (%.0f ns each), fired in %.1f ms (%.0f ns each, incl. waiting 49 ms)\n",
	       fired, (t1 - t0) / 1e3, (t1 - t0) * 1e3 / n, (t2 - t1) / 1e3, (t2 - t1) * 1e3 / n);

	int a[2], b[2];
	if (pipe(a) || pipe(b))
		return 1;
	struct pong p1 = { a[0], b[1], n, loop }, p2 = { b[0], a[1], n, loop };
	nh_io *i1 = nh_io_add(loop, a[0], NH_READ, on_byte, &p1);
	nh_io *i2 = nh_io_add(loop, b[0], NH_READ, on_byte, &p2);
	if (write(a[1], "x", 1) != 1)
		return 1;
	t0 = nh_now_us();
	nh_loop_run(loop);
	t1 = nh_now_us();
	long events = 2 * n - p1.left - p2.left;
	printf("ping-pong: %ld fd events in %.1f ms: %.0f events/s (%.0f ns each, read+write syscalls included)\n",
	       events, (t1 - t0) / 1e3, events / ((t1 - t0) / 1e6), (t1 - t0) * 1e3 / events);
	nh_io_del(i1);
	nh_io_del(i2);
	nh_loop_free(loop);
	return 0;
}
