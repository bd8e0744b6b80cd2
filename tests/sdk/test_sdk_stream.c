/* The SDK's stream helpers on real loopback and Unix sockets: the
 * listener (batches, max_clients pause and refuse, filter, fd shortage,
 * Unix stream/seqpacket/abstract), the buffered writer (slow reader,
 * limit, close after flush, reset, back-pressure) and the CLI client
 * (connect, refused, timeout, read until EOF / want / timeout). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "host.h"

static nh_loop *loop;
static nh_ctx *ctx;

static void setup(void)
{
	loop = nh_loop_new();
	ck_assert_ptr_nonnull(loop);
	ctx = host_ctx_new(loop, "test", "stream");
	ck_assert_ptr_nonnull(ctx);
}

static void teardown(void)
{
	host_ctx_free(ctx);
	nh_loop_free(loop);
}

static int64_t stop_loop(nh_loop *lp, void *arg)
{
	(void)arg;
	nh_loop_stop(lp);
	return NH_TIMER_STOP;
}

/* Run the loop for ms milliseconds (0: one iteration). */
static void spin(int64_t ms)
{
	nh_timer *t = nh_timer_add(loop, ms, stop_loop, NULL);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(nh_loop_run(loop), 0);
}

/* Run the loop until *flag is set, for 5 s at most. */
static void spin_until(const int *flag)
{
	for (int i = 0; i < 500 && !*flag; i++)
		spin(10);
	ck_assert_msg(*flag, "timed out waiting");
}

static nh_addr loopback(int port)
{
	nh_addr a;
	nh_error err;
	char text[32];

	snprintf(text, sizeof(text), "127.0.0.1:%d", port);
	ck_assert_int_eq(nh_addr_parse(text, -1, &a, &err), 0);
	return a;
}

/* A blocking client socket connected to a (the kernel completes the
 * handshake into the backlog whether or not anyone accepts). */
static int dial(const nh_addr *a)
{
	int fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, &a->u.sa, a->len), 0);
	return fd;
}

/* 1 when the server closed fd's connection (EOF or reset). */
static int closed_by_server(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, 1000) != 1)
		return 0;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* ---- listener ---------------------------------------------------------- */

struct taken {
	int fds[64];
	int n;
	int filter_calls;
	int refuse_first;        /* the filter refuses the first client */
	int family;              /* what the filter saw */
};

static void take(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct taken *t = arg;

	(void)sa;
	(void)salen;
	ck_assert_int_lt(t->n, 64);
	ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	t->fds[t->n++] = fd;
}

static void drop_all(struct taken *t)
{
	for (int i = 0; i < t->n; i++)
		close(t->fds[i]);
	t->n = 0;
}

static struct nh_listener_stats stats_of(const nh_listener *l)
{
	struct nh_listener_stats st = NH_LISTENER_STATS_INIT;
	nh_listener_stats(l, &st);
	return st;
}

/* A listener on 127.0.0.1 with a free port; *a gets its address. */
static nh_listener *tcp_listener(struct nh_listener_opts *o, struct taken *t, nh_addr *a)
{
	nh_error err;

	o->on_accept = take;
	o->arg = t;
	nh_listener *l = nh_listener_new(ctx, o);
	ck_assert_ptr_nonnull(l);
	nh_addr any = loopback(0);
	ck_assert_msg(nh_listener_add_tcp(l, &any, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nh_listener_local(l, 0, a), 0);
	ck_assert_int_ne(nh_addr_port(a), 0);
	nh_addr none;
	ck_assert_int_eq(nh_listener_local(l, 1, &none), -ENOENT);
	return l;
}

START_TEST(listener_accepts_in_batches)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_addr a;
	int cli[10];

	o.batch = 4;
	nh_listener *l = tcp_listener(&o, &t, &a);
	for (int i = 0; i < 10; i++)
		cli[i] = dial(&a);
	spin(0); /* one wakeup: one batch */
	ck_assert_int_eq(t.n, 4);
	spin(50);
	ck_assert_int_eq(t.n, 10);
	struct nh_listener_stats st = stats_of(l);
	ck_assert_uint_eq(st.accepted, 10);
	ck_assert_uint_eq(st.active, 10);
	ck_assert_uint_eq(nh_listener_active(l), 10);
	for (int i = 0; i < 10; i++) {
		nh_listener_release(l);
		close(cli[i]);
	}
	nh_listener_release(l); /* one too many: ignored */
	ck_assert_uint_eq(nh_listener_active(l), 0);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

/* A plugin out of fds for the other side of a client pauses accepting. */
START_TEST(listener_pause_on_request)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_addr a;

	o.emfile_pause_ms = 200;
	nh_listener *l = tcp_listener(&o, &t, &a);
	nh_listener_pause(l, EMFILE);
	nh_listener_pause(l, EMFILE); /* during a pause: nothing more */
	int cli = dial(&a);
	spin(100);
	ck_assert_int_eq(t.n, 0); /* waits in the backlog */
	spin(300);
	ck_assert_int_eq(t.n, 1);
	ck_assert_uint_eq(stats_of(l).fd_pauses, 1);
	nh_listener_pause(NULL, EMFILE);
	nh_listener_release(l);
	close(cli);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

START_TEST(listener_dual_stack)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_error err;
	nh_addr any, a, v4, v6;

	o.on_accept = take;
	o.arg = &t;
	nh_listener *l = nh_listener_new(ctx, &o);
	ck_assert_int_eq(nh_addr_parse("[::]:0", -1, &any, &err), 0);
	ck_assert_msg(nh_listener_add_tcp(l, &any, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(nh_listener_local(l, 0, &a), 0);
	ck_assert_int_eq(nh_addr_parse("[::1]:1", -1, &v6, &err), 0);
	v4 = loopback(nh_addr_port(&a));
	nh_addr_set_port(&v6, nh_addr_port(&a));
	int c4 = dial(&v4), c6 = dial(&v6);
	spin(50);
	ck_assert_int_eq(t.n, 2);
	close(c4);
	close(c6);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

START_TEST(listener_pauses_at_max_and_resumes)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_addr a;
	int cli[4];

	o.max_clients = 2; /* at_max: NH_LISTEN_PAUSE is the default */
	nh_listener *l = tcp_listener(&o, &t, &a);
	for (int i = 0; i < 4; i++)
		cli[i] = dial(&a);
	spin(50);
	ck_assert_int_eq(t.n, 2);
	spin(50);
	ck_assert_int_eq(t.n, 2); /* the others wait in the backlog */
	struct pollfd p = { .fd = cli[2], .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 0); /* not closed: held */
	ck_assert_uint_eq(stats_of(l).over_max, 0);

	close(t.fds[0]);
	nh_listener_release(l);
	spin(50);
	ck_assert_int_eq(t.n, 3);
	ck_assert_uint_eq(stats_of(l).active, 2);
	close(t.fds[1]);
	nh_listener_release(l);
	spin(50);
	ck_assert_int_eq(t.n, 4);
	ck_assert_uint_eq(stats_of(l).accepted, 4);
	for (int i = 0; i < 4; i++)
		close(cli[i]);
	close(t.fds[2]);
	close(t.fds[3]);
	nh_listener_free(l);
}
END_TEST

START_TEST(listener_refuses_at_max)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_addr a;
	int cli[3];

	o.max_clients = 1;
	o.at_max = NH_LISTEN_REFUSE;
	nh_listener *l = tcp_listener(&o, &t, &a);
	for (int i = 0; i < 3; i++)
		cli[i] = dial(&a);
	spin(50);
	ck_assert_int_eq(t.n, 1);
	struct nh_listener_stats st = stats_of(l);
	ck_assert_uint_eq(st.accepted, 1);
	ck_assert_uint_eq(st.over_max, 2);
	ck_assert_uint_eq(st.active, 1);
	ck_assert(closed_by_server(cli[1]));
	ck_assert(closed_by_server(cli[2]));
	for (int i = 0; i < 3; i++)
		close(cli[i]);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

static int refuse_first(int fd, const struct sockaddr *sa, socklen_t salen, void *arg)
{
	struct taken *t = arg;

	(void)fd;
	ck_assert_uint_ge(salen, sizeof(struct sockaddr_in));
	t->family = sa->sa_family;
	return t->filter_calls++ == 0 && t->refuse_first ? -EACCES : 0;
}

START_TEST(listener_filter_refuses)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { .refuse_first = 1 };
	nh_addr a;

	o.filter = refuse_first;
	nh_listener *l = tcp_listener(&o, &t, &a);
	int c1 = dial(&a);
	spin(50);
	int c2 = dial(&a);
	spin(50);
	ck_assert_int_eq(t.filter_calls, 2);
	ck_assert_int_eq(t.family, AF_INET);
	ck_assert_int_eq(t.n, 1);
	struct nh_listener_stats st = stats_of(l);
	ck_assert_uint_eq(st.refused, 1);
	ck_assert_uint_eq(st.accepted, 1);
	ck_assert_uint_eq(st.active, 1);
	ck_assert(closed_by_server(c1));
	close(c1);
	close(c2);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

/* Stats structs of an older, shorter layout get only what fits. */
START_TEST(listener_stats_copy_only_what_fits)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_addr a;
	struct { struct nh_listener_stats st; char guard[8]; } big;

	nh_listener *l = tcp_listener(&o, &t, &a);
	int c = dial(&a);
	spin(50);
	memset(&big, 0x5a, sizeof(big));
	big.st.size = offsetof(struct nh_listener_stats, refused); /* accepted only */
	nh_listener_stats(l, &big.st);
	ck_assert_uint_eq(big.st.size, offsetof(struct nh_listener_stats, refused));
	ck_assert_uint_eq(big.st.accepted, 1);
	unsigned char *rest = (unsigned char *)&big.st.refused;
	for (size_t i = 0; i < sizeof(big) - offsetof(struct nh_listener_stats, refused); i++)
		ck_assert_uint_eq(rest[i], 0x5a);

	/* Options of an older layout: the fields beyond its size are not read. */
	struct nh_listener_opts old = NH_LISTENER_OPTS_INIT;
	old.size = offsetof(struct nh_listener_opts, on_accept);
	old.on_accept = take;
	errno = 0;
	ck_assert_ptr_null(nh_listener_new(ctx, &old)); /* on_accept is beyond size */
	ck_assert_int_eq(errno, EINVAL);
	close(c);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

/* Redirect stderr (the log) to a file, and read it back. */
static int saved_stderr = -1;
static FILE *log_file;

static void log_capture(void)
{
	fflush(stderr);
	log_file = tmpfile();
	ck_assert_ptr_nonnull(log_file);
	saved_stderr = dup(2);
	dup2(fileno(log_file), 2);
}

static int log_count(const char *needle)
{
	char line[1024];
	int n = 0;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(log_file);
	while (fgets(line, sizeof(line), log_file))
		n += strstr(line, needle) != NULL;
	fclose(log_file);
	return n;
}

START_TEST(listener_pauses_when_out_of_fds)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	struct rlimit saved, low;
	static int filler[4096];
	int n_fill = 0, cli[3];
	nh_addr a;

	nh_listener *l = tcp_listener(&o, &t, &a);
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(devnull, 0);
	/* The clients' sockets first: connect() needs no new fd. */
	for (int i = 0; i < 3; i++)
		ck_assert_int_ge(cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	log_capture();
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 256;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	int fd;
	while (n_fill < 4096 && (fd = dup(devnull)) >= 0)
		filler[n_fill++] = fd;
	ck_assert_int_eq(errno, EMFILE);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(connect(cli[i], &a.u.sa, a.len), 0);

	int64_t t0 = nh_now_us();
	spin(550);
	double secs = (double)(nh_now_us() - t0) / 1e6;
	struct nh_listener_stats st = stats_of(l);
	ck_assert_int_eq(t.n, 0);
	/* 100 ms pauses: about 5 in 550 ms; a spinning accept loop would
	 * have failed thousands of times. */
	ck_assert_msg(st.fd_pauses >= 2 && st.fd_pauses <= 2 + (uint64_t)(secs * 10),
		      "%llu pauses in %.2f s", (unsigned long long)st.fd_pauses, secs);

	for (int i = 0; i < n_fill; i++)
		close(filler[i]);
	close(devnull);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	int lines = log_count("pausing accepts for 100 ms");
	ck_assert_int_eq(lines, 1); /* one line a second at most */
	spin(250);
	/* Accepting again. (Under valgrind, whose fd limit is emulated, the
	 * connections it accepted over the limit were closed: count anew.) */
	int before = t.n, late[2];
	for (int i = 0; i < 2; i++)
		late[i] = dial(&a);
	spin(50);
	ck_assert_int_eq(t.n, before + 2);
	ck_assert_int_ge(t.n, 2);
	for (int i = 0; i < 3; i++)
		close(cli[i]);
	close(late[0]);
	close(late[1]);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

/* A socket file left by a process that died: bound, never listened on. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
}

static int dial_unix(const char *path, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@'));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

START_TEST(listener_unix_stream_seqpacket_abstract)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	char dir[] = "/tmp/nh-stream-XXXXXX", stream[64], seq[64], abs_name[64], file[64];
	nh_error err;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(stream, sizeof(stream), "%s/s.sock", dir);
	snprintf(seq, sizeof(seq), "%s/q.sock", dir);
	snprintf(file, sizeof(file), "%s/plain", dir);
	snprintf(abs_name, sizeof(abs_name), "@nh-test-stream-%d", (int)getpid());
	o.on_accept = take;
	o.arg = &t;
	nh_listener *l = nh_listener_new(ctx, &o);

	make_stale_socket(stream); /* removed: nothing listens on it */
	ck_assert_msg(nh_listener_add_unix(l, stream, SOCK_STREAM, 0600, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(stream, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_msg(nh_listener_add_unix(l, seq, SOCK_SEQPACKET, 0660, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(seq, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0660);
	ck_assert_msg(nh_listener_add_unix(l, abs_name, SOCK_STREAM, 0, &err) == 0, "%s", err.msg);
	nh_addr local;
	ck_assert_int_eq(nh_listener_local(l, 2, &local), 0);
	ck_assert_int_eq(local.u.sa.sa_family, AF_UNIX);

	/* What is not ours is left alone. */
	ck_assert_int_eq(nh_listener_add_unix(l, stream, SOCK_STREAM, 0600, &err), -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(err.msg, "in use"));
	FILE *f = fopen(file, "w");
	fclose(f);
	ck_assert_int_eq(nh_listener_add_unix(l, file, SOCK_STREAM, 0600, &err), -EEXIST);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(nh_listener_add_unix(l, stream, SOCK_DGRAM, 0600, &err), -EINVAL);

	int c1 = dial_unix(stream, SOCK_STREAM);
	int c2 = dial_unix(seq, SOCK_SEQPACKET);
	int c3 = dial_unix(abs_name, SOCK_STREAM);
	spin(50);
	ck_assert_int_eq(t.n, 4); /* the three, and the probe that found s.sock in use */
	int type = 0;
	socklen_t tl = sizeof(type);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(getsockopt(t.fds[i], SOL_SOCKET, SO_TYPE, &type, &tl), 0);
		if (type == SOCK_SEQPACKET)
			break;
	}
	ck_assert_int_eq(type, SOCK_SEQPACKET);
	ck_assert_uint_eq(stats_of(l).accepted, 4);
	close(c1);
	close(c2);
	close(c3);
	drop_all(&t);
	nh_listener_free(l);
	ck_assert_int_eq(access(stream, F_OK), -1); /* unlinked */
	ck_assert_int_eq(access(seq, F_OK), -1);
	unlink(file);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(listener_adopts_fd)
{
	struct nh_listener_opts o = NH_LISTENER_OPTS_INIT;
	struct taken t = { 0 };
	nh_error err;
	nh_addr any = loopback(0), a;

	o.on_accept = take;
	o.arg = &t;
	nh_listener *l = nh_listener_new(ctx, &o);
	int not_listening = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(nh_listener_add_fd(l, not_listening, &err), -EINVAL);
	ck_assert_int_eq(fcntl(not_listening, F_GETFD), -1); /* closed all the same */
	int lfd = nh_listen_tcp(&any, 0, 0, &err);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(nh_listener_add_fd(l, lfd, &err), 0);
	ck_assert_int_eq(nh_listener_local(l, 0, &a), 0);
	int c = dial(&a);
	spin(50);
	ck_assert_int_eq(t.n, 1);
	close(c);
	drop_all(&t);
	nh_listener_free(l);
}
END_TEST

/* ---- writer ------------------------------------------------------------ */

/* A connected loopback TCP pair with small buffers, so that a writer
 * must queue. */
static void tcp_pair(int *srv, int *cli)
{
	nh_error err;
	nh_addr any = loopback(0), a;
	int lfd = nh_listen_tcp(&any, 0, 0, &err), small = 4096;
	socklen_t len = sizeof(a.u);

	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(getsockname(lfd, &a.u.sa, &len), 0);
	a.len = len;
	*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(*cli, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ck_assert_int_eq(connect(*cli, &a.u.sa, a.len), 0);
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 1000), 1);
	*srv = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(*srv, 0);
	setsockopt(*srv, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	close(lfd);
}

/* A connected Unix stream pair: its buffers fill exactly (no window, no
 * ACKs in flight), for tests that count queued bytes. */
static void unix_pair(int *srv, int *cli)
{
	int sv[2], small = 4096;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	*srv = sv[0];
	*cli = sv[1];
}

/* Fill fd's send path until the kernel takes no more, also after the
 * ACKs in flight have freed what they will. */
static size_t fill_socket(int fd)
{
	char junk[4096];
	size_t total = 0, round;
	ssize_t n;

	memset(junk, 'j', sizeof(junk));
	do {
		round = 0;
		while ((n = send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
			round += (size_t)n;
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		total += round;
		usleep(20000);
	} while (round);
	return total;
}

struct closed {
	int calls;
	int error;
};

static void note_close(nh_writer *w, int error, void *arg)
{
	struct closed *c = arg;

	ck_assert_int_ge(nh_writer_fd(w), 0);
	ck_assert_int_eq(nh_writer_write(w, "x", 1), -EPIPE);
	c->calls++;
	c->error = error;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) & 0xff);
}

struct slow_reader {
	int fd;
	size_t got, want;
	int eof, bad, done;
};

/* 8 KiB a millisecond at most, checking the pattern. */
static int64_t read_slowly(nh_loop *lp, void *arg)
{
	struct slow_reader *r = arg;
	unsigned char buf[8192];
	ssize_t n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);

	(void)lp;
	if (n == 0)
		r->eof = 1;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] != pattern(r->got + (size_t)i))
			r->bad = 1;
	if (n > 0)
		r->got += (size_t)n;
	if (r->eof || r->got >= r->want) {
		r->done = 1;
		return NH_TIMER_STOP;
	}
	return 1;
}

START_TEST(writer_big_payload_reaches_slow_reader)
{
	enum { TOTAL = 3 << 20, CHUNK = 50000 };
	static unsigned char chunk[CHUNK];
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct closed c = { 0 };
	int srv, cli;

	tcp_pair(&srv, &cli);
	o.limit = 256 << 10;
	o.on_close = note_close;
	o.arg = &c;
	nh_writer *w = nh_writer_new(ctx, srv, &o);
	ck_assert_ptr_nonnull(w);
	struct slow_reader r = { .fd = cli, .want = TOTAL };
	nh_timer_add(loop, 1, read_slowly, &r);
	size_t sent = 0, most = 0;
	int full = 0;
	while (sent < TOTAL && !r.done) {
		size_t n = TOTAL - sent < CHUNK ? TOTAL - sent : CHUNK;
		for (size_t i = 0; i < n; i++)
			chunk[i] = pattern(sent + i);
		int rc = nh_writer_write(w, chunk, n);
		if (rc == -ENOBUFS) {
			full++;
			spin(5);
			continue;
		}
		ck_assert_int_eq(rc, 0);
		sent += n;
		most = nh_writer_queued(w) > most ? nh_writer_queued(w) : most;
		ck_assert_uint_le(nh_writer_queued(w), o.limit);
	}
	ck_assert_int_gt(full, 0);   /* the limit held it back */
	ck_assert_uint_gt(most, 0);  /* and it queued */
	spin_until(&r.done);
	ck_assert_uint_eq(r.got, TOTAL);
	ck_assert(!r.bad);
	ck_assert_uint_eq(nh_writer_queued(w), 0);
	ck_assert_int_eq(c.calls, 0);
	nh_writer_free(w);
	close(cli);
}
END_TEST

START_TEST(writer_refuses_beyond_limit)
{
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	static char msg[3000], more[2000];
	int srv, cli;

	unix_pair(&srv, &cli);
	size_t raw = fill_socket(srv);
	o.limit = 4096;
	nh_writer *w = nh_writer_new(ctx, srv, &o);
	ck_assert_ptr_nonnull(w);
	memset(msg, 'm', sizeof(msg));
	memset(more, 'M', sizeof(more));
	ck_assert_int_eq(nh_writer_write(w, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(nh_writer_queued(w), 3000);
	ck_assert_int_eq(nh_writer_write(w, more, sizeof(more)), -ENOBUFS);
	ck_assert_uint_eq(nh_writer_queued(w), 3000); /* nothing of it queued */
	ck_assert_int_eq(nh_writer_printf(w, "%.*s", 1096, more), 0);
	ck_assert_uint_eq(nh_writer_queued(w), 4096);
	ck_assert_int_eq(nh_writer_write(w, "x", 1), -ENOBUFS);

	/* Drain: the junk, then the writer's bytes, in order. */
	size_t got = 0;
	char buf[8192];
	int bad = 0;
	while (got < raw + 4096) {
		spin(1);
		ssize_t n = recv(cli, buf, sizeof(buf), MSG_DONTWAIT);
		for (ssize_t i = 0; i < n; i++) {
			size_t at = got + (size_t)i;
			char want = at < raw ? 'j' : at < raw + 3000 ? 'm' : 'M';
			bad |= buf[i] != want;
		}
		if (n > 0)
			got += (size_t)n;
	}
	ck_assert(!bad);
	spin(5);
	ck_assert_uint_eq(nh_writer_queued(w), 0);
	nh_writer_free(w);
	close(cli);
}
END_TEST

START_TEST(writer_close_after_flush)
{
	enum { TOTAL = 200000 };
	static unsigned char data[TOTAL];
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct closed c = { 0 };
	int srv, cli;

	tcp_pair(&srv, &cli);
	for (size_t i = 0; i < TOTAL; i++)
		data[i] = pattern(i);
	o.on_close = note_close;
	o.arg = &c;
	nh_writer *w = nh_writer_new(ctx, srv, &o);
	ck_assert_int_eq(nh_writer_write(w, data, TOTAL), 0);
	ck_assert_uint_gt(nh_writer_queued(w), 0);
	nh_writer_close(w, 1);
	ck_assert_int_eq(nh_writer_write(w, "x", 1), -EPIPE);
	ck_assert_int_eq(c.calls, 0); /* not before everything went */
	struct slow_reader r = { .fd = cli, .want = TOTAL + 1 }; /* read on to EOF */
	nh_timer_add(loop, 1, read_slowly, &r);
	spin_until(&r.done);
	ck_assert(r.eof);
	ck_assert_uint_eq(r.got, TOTAL);
	ck_assert(!r.bad);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.error, 0);
	close(cli);
}
END_TEST

START_TEST(writer_close_now_drops_and_calls_on_close_from_the_loop)
{
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct closed c = { 0 };
	int srv, cli;

	unix_pair(&srv, &cli);
	fill_socket(srv);
	o.on_close = note_close;
	o.arg = &c;
	nh_writer *w = nh_writer_new(ctx, srv, &o);
	ck_assert_int_eq(nh_writer_write(w, "queued", 6), 0);
	nh_writer_close(w, 0);
	nh_writer_close(w, 1); /* a second call does nothing */
	ck_assert_int_eq(c.calls, 0);
	spin(0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.error, 0);
	close(cli);
}
END_TEST

START_TEST(writer_close_now_cuts_a_flush_short)
{
	enum { TOTAL = 200000 };
	static unsigned char data[TOTAL];
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct closed c = { 0 };
	int srv, cli;

	unix_pair(&srv, &cli);
	for (size_t i = 0; i < TOTAL; i++)
		data[i] = pattern(i);
	o.on_close = note_close;
	o.arg = &c;
	nh_writer *w = nh_writer_new(ctx, srv, &o);
	ck_assert_int_eq(nh_writer_write(w, data, TOTAL), 0);
	nh_writer_close(w, 1);
	spin(5);
	ck_assert_int_eq(c.calls, 0); /* nobody reads: still flushing */
	nh_writer_close(w, 0);
	spin(0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.error, 0);
	struct slow_reader r = { .fd = cli, .want = TOTAL + 1 };
	nh_timer_add(loop, 1, read_slowly, &r);
	spin_until(&r.done);
	ck_assert(r.eof);
	ck_assert_uint_lt(r.got, TOTAL);
	ck_assert(!r.bad); /* a prefix of it, intact */
	close(cli);
}
END_TEST

START_TEST(writer_peer_reset)
{
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct closed c = { 0 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int srv, cli;

	tcp_pair(&srv, &cli);
	o.on_close = note_close;
	o.arg = &c;
	nh_writer *w = nh_writer_new(ctx, srv, &o);
	ck_assert_int_eq(nh_writer_write(w, "hello", 5), 0);
	ck_assert_int_eq(setsockopt(cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(cli); /* unread data and linger 0: a reset */
	for (int i = 0; i < 100 && !c.calls; i++)
		spin(10);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.error, -ECONNRESET);
}
END_TEST

struct echoer {
	nh_writer *w;
	size_t read;
	int eof;
	struct closed c;
};

/* Echo what arrives, through the writer. */
static void echo_back(nh_writer *w, int fd, void *arg)
{
	struct echoer *e = arg;
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0) {
		e->eof = 1;
		nh_writer_close(w, 1);
		return;
	}
	if (n < 0)
		return;
	e->read += (size_t)n;
	ck_assert_int_eq(nh_writer_write(w, buf, (size_t)n), 0);
}

static void echo_closed(nh_writer *w, int error, void *arg)
{
	struct echoer *e = arg;

	note_close(w, error, &e->c);
}

START_TEST(writer_reading_pauses_while_queue_is_full)
{
	struct nh_writer_opts o = NH_WRITER_OPTS_INIT;
	struct echoer e = { 0 };
	static char junk[1 << 20];
	int srv, cli;

	tcp_pair(&srv, &cli);
	o.limit = 32768;
	o.on_readable = echo_back;
	o.on_close = echo_closed;
	o.arg = &e;
	e.w = nh_writer_new(ctx, srv, &o);
	ck_assert_ptr_nonnull(e.w);
	/* The client sends and does not read: the echo piles up. */
	size_t sent = 0;
	for (int i = 0; i < 200; i++) {
		ssize_t n = send(cli, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		spin(1);
	}
	size_t was = e.read;
	ck_assert_uint_gt(nh_writer_queued(e.w), o.limit / 2);
	ck_assert_uint_lt(was, sent); /* it stopped reading */
	spin(50);
	ck_assert_uint_eq(e.read, was);
	/* The client reads its echo: reading resumes, everything comes back. */
	size_t back = 0;
	shutdown(cli, SHUT_WR);
	char buf[65536];
	for (int i = 0; i < 5000 && !e.c.calls; i++) {
		ssize_t n = recv(cli, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			back += (size_t)n;
		spin(0);
	}
	while (recv(cli, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	ck_assert_uint_eq(e.read, sent);
	ck_assert(e.eof);
	ck_assert_int_eq(e.c.calls, 1);
	ck_assert_int_eq(e.c.error, 0);
	close(cli);
}
END_TEST

/* ---- client ------------------------------------------------------------ */

/* A plain listening socket on 127.0.0.1; *port gets its port. */
static int plain_listener(int backlog, int *port)
{
	nh_error err;
	nh_addr any = loopback(0), a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(a.u);

	ck_assert_int_eq(bind(fd, &any.u.sa, any.len), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, &a.u.sa, &len), 0);
	a.len = len;
	*port = nh_addr_port(&a);
	(void)err;
	return fd;
}

START_TEST(client_connects)
{
	nh_error err;
	char target[64];
	int port, lfd = plain_listener(8, &port);

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	int fd = nh_client_connect(target, -1, 1000, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	/* A name, and the default port. */
	snprintf(target, sizeof(target), "localhost");
	fd = nh_client_connect(target, port, 1000, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	close(fd);
	ck_assert_int_eq(nh_client_connect("localhost", -1, 1000, &err), -EINVAL); /* no port */
	ck_assert_int_eq(nh_client_connect(target, port, 0, &err), -EINVAL);
	close(lfd);
}
END_TEST

START_TEST(client_refused)
{
	nh_error err;
	char target[64];
	nh_addr any = loopback(0), a;
	socklen_t len = sizeof(a.u);
	/* A port bound but not listening: nothing will take it meanwhile. */
	int hold = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_eq(bind(hold, &any.u.sa, any.len), 0);
	ck_assert_int_eq(getsockname(hold, &a.u.sa, &len), 0);
	snprintf(target, sizeof(target), "127.0.0.1:%d", ntohs(a.u.in4.sin_port));
	ck_assert_int_eq(nh_client_connect(target, -1, 1000, &err), -ECONNREFUSED);
	ck_assert_int_eq(err.code, ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, target));
	close(hold);
}
END_TEST

START_TEST(client_connect_times_out)
{
	nh_error err;
	char target[64];
	int port, lfd = plain_listener(0, &port), held[16], n = 0, fd;

	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	/* Nobody accepts: fill the backlog until a connect has to wait. */
	while (n < 16 && (fd = nh_client_connect(target, -1, 100, &err)) >= 0)
		held[n++] = fd;
	ck_assert_int_lt(n, 16);
	int64_t t0 = nh_now_us();
	ck_assert_int_eq(nh_client_connect(target, -1, 300, &err), -ETIMEDOUT);
	int64_t ms = (nh_now_us() - t0) / 1000;
	ck_assert_int_ge(ms, 290);
	ck_assert_int_lt(ms, 2000);
	ck_assert_ptr_nonnull(strstr(err.msg, "timed out"));
	for (int i = 0; i < n; i++)
		close(held[i]);
	close(lfd);
}
END_TEST

START_TEST(client_unix_path_and_abstract)
{
	nh_error err;
	char path[64], name[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(path, sizeof(path), "/tmp/nh-client-%d.sock", (int)getpid());
	snprintf(name, sizeof(name), "@nh-client-%d", (int)getpid());
	ck_assert_int_eq(nh_client_connect(path, -1, 500, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, path));

	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(lfd, 0), 0);
	int fd = nh_client_connect(path, -1, 500, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	/* The backlog is full now: the next one waits, then times out. */
	int held[8], n = 0, more;
	while (n < 8 && (more = nh_client_connect(path, -1, 100, &err)) >= 0)
		held[n++] = more;
	ck_assert_int_lt(n, 8);
	ck_assert_int_eq(err.code, ETIMEDOUT);
	for (int i = 0; i < n; i++)
		close(held[i]);
	close(fd);
	close(lfd);
	unlink(path);

	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(sun.sun_path, 0, sizeof(sun.sun_path));
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name))), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	fd = nh_client_connect(name, -1, 500, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	close(fd);
	close(lfd);
}
END_TEST

START_TEST(client_send_and_read)
{
	nh_error err;
	char buf[64];
	int srv, cli;

	tcp_pair(&srv, &cli);
	ck_assert_int_eq(nh_fd_nonblock(cli), 0);
	/* want: returns once that much came, without waiting for EOF. */
	ck_assert_int_eq(nh_client_send(srv, "hello world", 11, 1000, &err), 0);
	ck_assert_int_eq(nh_client_read(cli, buf, sizeof(buf), 5, 1000, &err), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	/* until EOF */
	close(srv);
	ck_assert_int_eq(nh_client_read(cli, buf, sizeof(buf), 0, 1000, &err), 6);
	ck_assert_mem_eq(buf, " world", 6);
	ck_assert_int_eq(nh_client_read(cli, buf, sizeof(buf), 0, 1000, &err), 0);
	ck_assert_int_eq(nh_client_read(cli, buf, 4, 5, 1000, &err), -EINVAL);
	close(cli);

	/* A timeout: two bytes of the five asked for. */
	tcp_pair(&srv, &cli);
	ck_assert_int_eq(nh_client_send(srv, "ab", 2, 1000, &err), 0);
	int64_t t0 = nh_now_us();
	ck_assert_int_eq(nh_client_read(cli, buf, sizeof(buf), 5, 200, &err), -ETIMEDOUT);
	ck_assert_int_ge((nh_now_us() - t0) / 1000, 190);
	ck_assert_ptr_nonnull(strstr(err.msg, "2 bytes arrived"));
	/* and until EOF that does not come */
	ck_assert_int_eq(nh_client_read(cli, buf, sizeof(buf), 0, 100, &err), -ETIMEDOUT);

	/* Sending to a peer that does not read. */
	static char big[4 << 20];
	ck_assert_int_eq(nh_client_send(srv, big, sizeof(big), 200, &err), -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "of 4194304 bytes sent"));
	close(srv);
	close(cli);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("stream");
	TCase *tl = tcase_create("listener"), *tw = tcase_create("writer"),
	      *tc = tcase_create("client");

	TCase *all[] = { tl, tw, tc };
	for (int i = 0; i < 3; i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		tcase_set_timeout(all[i], 60);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(tl, listener_accepts_in_batches);
	tcase_add_test(tl, listener_dual_stack);
	tcase_add_test(tl, listener_pause_on_request);
	tcase_add_test(tl, listener_pauses_at_max_and_resumes);
	tcase_add_test(tl, listener_refuses_at_max);
	tcase_add_test(tl, listener_filter_refuses);
	tcase_add_test(tl, listener_stats_copy_only_what_fits);
	tcase_add_test(tl, listener_pauses_when_out_of_fds);
	tcase_add_test(tl, listener_unix_stream_seqpacket_abstract);
	tcase_add_test(tl, listener_adopts_fd);
	tcase_add_test(tw, writer_big_payload_reaches_slow_reader);
	tcase_add_test(tw, writer_refuses_beyond_limit);
	tcase_add_test(tw, writer_close_after_flush);
	tcase_add_test(tw, writer_close_now_drops_and_calls_on_close_from_the_loop);
	tcase_add_test(tw, writer_close_now_cuts_a_flush_short);
	tcase_add_test(tw, writer_peer_reset);
	tcase_add_test(tw, writer_reading_pauses_while_queue_is_full);
	tcase_add_test(tc, client_connects);
	tcase_add_test(tc, client_refused);
	tcase_add_test(tc, client_connect_times_out);
	tcase_add_test(tc, client_unix_path_and_abstract);
	tcase_add_test(tc, client_send_and_read);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
