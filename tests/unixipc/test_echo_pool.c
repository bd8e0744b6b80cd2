/* The echo engine of echo6 and unixipc (plugins/common/echo.c) on socketpairs: echo,
 * back-pressure, oversize seqpacket messages, idle timeout, max_clients,
 * datagram echo and its unanswerable senders. */
#include <check.h>
#include <signal.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host.h"
#include "common/echo.h"

static int64_t stop_loop(nh_loop *loop, void *arg)
{
	(void)arg;
	nh_loop_stop(loop);
	return NH_TIMER_STOP;
}

/* Run the loop for ms milliseconds. */
static void spin(nh_loop *loop, int64_t ms)
{
	nh_timer_add(loop, ms, stop_loop, NULL);
	ck_assert_int_eq(nh_loop_run(loop), 0);
}

struct fixture {
	nh_loop *loop;
	nh_ctx *ctx;
	struct echo_pool *pool;
	int sv[2];
};

static void setup(struct fixture *f, int type, struct echo_opts o)
{
	f->loop = nh_loop_new();
	f->ctx = host_ctx_new(f->loop, "test", "pool");
	f->pool = echo_pool_new(f->ctx, &o);
	ck_assert_ptr_nonnull(f->pool);
	ck_assert_int_eq(socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, f->sv), 0);
	ck_assert_int_eq(echo_pool_add(f->pool, f->sv[1], "peer"), 0);
}

static void teardown(struct fixture *f)
{
	echo_pool_free(f->pool);
	close(f->sv[0]);
	host_ctx_free(f->ctx);
	nh_loop_free(f->loop);
}

static struct echo_stats stats(const struct fixture *f)
{
	struct echo_stats s;
	echo_pool_stats(f->pool, &s);
	return s;
}

START_TEST(stream_echo)
{
	struct fixture f;
	char msg[1000], back[1000];

	setup(&f, SOCK_STREAM, (struct echo_opts){ .bufsize = 4096 });
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (char)i;
	ck_assert_int_eq(write(f.sv[0], msg, sizeof(msg)), sizeof(msg));
	spin(f.loop, 20);
	ck_assert_int_eq(read(f.sv[0], back, sizeof(back)), sizeof(back));
	ck_assert_mem_eq(msg, back, sizeof(msg));
	ck_assert_uint_eq(stats(&f).bytes, sizeof(msg));
	ck_assert_uint_eq(stats(&f).active, 1);

	close(f.sv[0]); /* the peer leaves: the connection goes */
	f.sv[0] = -1;
	spin(f.loop, 20);
	ck_assert_uint_eq(stats(&f).active, 0);
	ck_assert_uint_eq(stats(&f).errors, 0);
	teardown(&f);
}
END_TEST

START_TEST(back_pressure)
{
	struct fixture f;
	static char chunk[65536], back[65536];
	size_t written = 0, got = 0;

	setup(&f, SOCK_STREAM, (struct echo_opts){ .bufsize = 4096 });
	/* Write without reading until nothing more goes in. */
	for (int round = 0; round < 50; round++) {
		ssize_t n;
		while ((n = write(f.sv[0], chunk, sizeof(chunk))) > 0)
			written += (size_t)n;
		spin(f.loop, 5);
	}
	ck_assert_int_eq(write(f.sv[0], chunk, sizeof(chunk)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* The server stopped reading: it holds at most one buffer. */
	uint64_t echoed = stats(&f).bytes;
	ck_assert_uint_lt(echoed, written);
	/* Reading resumes the flow; every byte comes back. */
	for (int round = 0; round < 2000 && got < written; round++) {
		ssize_t n;
		while ((n = read(f.sv[0], back, sizeof(back))) > 0)
			got += (size_t)n;
		spin(f.loop, 1);
	}
	ck_assert_uint_eq(got, written);
	ck_assert_uint_eq(stats(&f).errors, 0);
	teardown(&f);
}
END_TEST

START_TEST(seqpacket_oversize_closes)
{
	struct fixture f;
	char msg[1000] = { 0 }, back[1000];

	setup(&f, SOCK_SEQPACKET, (struct echo_opts){ .bufsize = 512, .packet = 1 });
	ck_assert_int_eq(send(f.sv[0], msg, 500, 0), 500);
	spin(f.loop, 10);
	ck_assert_int_eq(recv(f.sv[0], back, sizeof(back), 0), 500); /* boundaries kept */
	ck_assert_int_eq(send(f.sv[0], msg, sizeof(msg), 0), sizeof(msg));
	spin(f.loop, 10);
	ck_assert_int_eq(recv(f.sv[0], back, sizeof(back), 0), 0); /* closed, not cut */
	ck_assert_uint_eq(stats(&f).errors, 1);
	ck_assert_uint_eq(stats(&f).active, 0);
	teardown(&f);
}
END_TEST

START_TEST(idle_timeout)
{
	struct fixture f;
	char c = 'x';

	setup(&f, SOCK_STREAM, (struct echo_opts){ .bufsize = 512, .idle_timeout_ms = 60 });
	spin(f.loop, 40);
	ck_assert_int_eq(write(f.sv[0], &c, 1), 1); /* activity moves the deadline */
	spin(f.loop, 40);
	ck_assert_uint_eq(stats(&f).active, 1);
	spin(f.loop, 100);
	ck_assert_uint_eq(stats(&f).active, 0);
	ck_assert_uint_eq(stats(&f).timeouts, 1);
	teardown(&f);
}
END_TEST

START_TEST(max_clients)
{
	struct fixture f;
	int sv[2];

	setup(&f, SOCK_STREAM, (struct echo_opts){ .bufsize = 512, .max_clients = 1 });
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	ck_assert_int_eq(echo_pool_add(f.pool, sv[1], "second"), -EBUSY);
	char c;
	ck_assert_int_eq(read(sv[0], &c, 1), 0); /* the pool closed it */
	close(sv[0]);
	ck_assert_uint_eq(stats(&f).refused, 1);
	ck_assert_uint_eq(stats(&f).active, 1);
	teardown(&f);
}
END_TEST

/* A client of the listener; its echo of one byte proves it was taken. */
static int listen_client(nh_loop *loop, const struct sockaddr_un *sun, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(connect(fd, (const struct sockaddr *)sun, len), 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	spin(loop, 20);
	return fd;
}

/* Through the listener: max_clients refuses and counts at once, a client
 * that leaves frees its slot, unlisten keeps the clients. */
START_TEST(listener_slots)
{
	nh_loop *loop = nh_loop_new();
	nh_ctx *ctx = host_ctx_new(loop, "test", "listen");
	struct echo_opts o = { .bufsize = 512, .max_clients = 1 };
	struct echo_pool *p = echo_pool_new(ctx, &o);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char name[64], c;
	nh_error err;

	snprintf(name, sizeof(name), "@nh-test-pool-%d", (int)getpid());
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	ck_assert_int_eq(echo_pool_listen_unix(p, name, SOCK_STREAM, 0, NULL, NULL, &err), 0);

	int a = listen_client(loop, &sun, len);
	ck_assert_int_eq(read(a, &c, 1), 1);
	int b = listen_client(loop, &sun, len);
	ssize_t n = read(b, &c, 1); /* refused: closed at once, its byte unread */
	ck_assert(n == 0 || (n < 0 && errno == ECONNRESET));
	struct echo_stats s;
	echo_pool_stats(p, &s);
	ck_assert_uint_eq(s.refused, 1);
	ck_assert_uint_eq(s.accepted, 1);

	close(a); /* its slot frees: the next one is taken */
	spin(loop, 20);
	int d = listen_client(loop, &sun, len);
	ck_assert_int_eq(read(d, &c, 1), 1);
	echo_pool_stats(p, &s);
	ck_assert_uint_eq(s.accepted, 2);
	ck_assert_uint_eq(s.active, 1);

	echo_pool_unlisten(p); /* d stays, and still echoes */
	ck_assert_int_eq(echo_pool_local(p, &(nh_addr){ 0 }), -ENOENT);
	ck_assert_int_eq(write(d, "y", 1), 1);
	spin(loop, 20);
	ck_assert_int_eq(read(d, &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	close(d);
	spin(loop, 20);
	echo_pool_stats(p, &s);
	ck_assert_uint_eq(s.active, 0);
	close(b);
	echo_pool_free(p);
	host_ctx_free(ctx);
	nh_loop_free(loop);
}
END_TEST

START_TEST(dgram_echo)
{
	nh_loop *loop = nh_loop_new();
	nh_ctx *ctx = host_ctx_new(loop, "test", "dgram");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	struct sockaddr_un autobind = { .sun_family = AF_UNIX };
	char back[100] = { 0 };

	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  (size_t)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
					   "nh-test-echo-%d", (int)getpid()));
	int srv = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int cli = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int anon = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&sun, len), 0);
	ck_assert_int_eq(bind(cli, (struct sockaddr *)&autobind, sizeof(sa_family_t)), 0);
	struct echo_dgram *d = echo_dgram_new(ctx, srv, 64);
	ck_assert_ptr_nonnull(d);

	ck_assert_int_eq(sendto(cli, "hello", 5, 0, (struct sockaddr *)&sun, len), 5);
	ck_assert_int_eq(sendto(cli, back, 100, 0, (struct sockaddr *)&sun, len), 100); /* > 64 */
	ck_assert_int_eq(sendto(anon, "nobody", 6, 0, (struct sockaddr *)&sun, len), 6);
	spin(loop, 20);
	ck_assert_int_eq(recv(cli, back, sizeof(back), 0), 5);
	ck_assert_mem_eq(back, "hello", 5);
	ck_assert_int_eq(recv(cli, back, sizeof(back), 0), -1); /* the big one was dropped */
	struct echo_stats s;
	echo_dgram_stats(d, &s);
	ck_assert_uint_eq(s.messages, 1);
	ck_assert_uint_eq(s.errors, 1);
	ck_assert_uint_eq(s.refused, 1);
	echo_dgram_free(d);
	close(cli);
	close(anon);
	host_ctx_free(ctx);
	nh_loop_free(loop);
}
END_TEST

int main(void)
{
	/* A peer that closed first must give EPIPE, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("echo");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, stream_echo);
	tcase_add_test(tc, back_pressure);
	tcase_add_test(tc, seqpacket_oversize_closes);
	tcase_add_test(tc, idle_timeout);
	tcase_add_test(tc, max_clients);
	tcase_add_test(tc, listener_slots);
	tcase_add_test(tc, dgram_echo);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
