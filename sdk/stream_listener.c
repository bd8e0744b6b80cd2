/* The listener: listening sockets sharing one accept policy (batches,
 * max_clients, a filter, pauses when fds run out). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nethost/log.h>
#include <nethost/loop.h>
#include <nethost/stream.h>

#include "nh_sized.h"

struct lsock {
	nh_listener *l;
	int fd;
	nh_io *io;
	char *path;       /* a Unix socket file we made, to unlink; else NULL */
	dev_t dev;
	ino_t ino;
};

enum { PAUSE_FULL = 1, PAUSE_FDS = 2 };

struct nh_listener {
	const nh_ctx *ctx;
	nh_loop *loop;
	struct nh_listener_opts o;
	struct lsock **socks;
	int n;
	int paused;           /* PAUSE_* bits */
	nh_timer *resume;     /* ends a PAUSE_FDS */
	int64_t fds_log_ms;   /* last fd-shortage line; -1: none yet */
	int64_t full_log_ms;  /* last max_clients line; -1: none yet */
	struct nh_listener_stats st;
};

#define DEFAULT_BATCH 64
#define DEFAULT_EMFILE_PAUSE_MS 100
#define LOG_EVERY_MS 1000

nh_listener *nh_listener_new(const nh_ctx *ctx, const struct nh_listener_opts *o)
{
	struct nh_listener_opts d = { .size = sizeof(d) };

	if (nh_sized_read(&d, sizeof(d), o) < 0 || !d.on_accept ||
	    (d.at_max != NH_LISTEN_PAUSE && d.at_max != NH_LISTEN_REFUSE) ||
	    d.emfile_pause_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	nh_listener *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	if (!d.batch)
		d.batch = DEFAULT_BATCH;
	if (!d.emfile_pause_ms)
		d.emfile_pause_ms = DEFAULT_EMFILE_PAUSE_MS;
	l->ctx = ctx;
	l->loop = nh_ctx_loop(ctx);
	l->o = d;
	l->fds_log_ms = l->full_log_ms = -1;
	l->st.size = sizeof(l->st);
	return l;
}

static void watch_all(nh_listener *l)
{
	for (int i = 0; i < l->n; i++)
		nh_io_set(l->socks[i]->io, l->paused ? 0 : NH_READ);
}

/* Rate limit for lines that repeat while a condition lasts. */
static int log_due(nh_listener *l, int64_t *last)
{
	int64_t now = nh_loop_now_ms(l->loop);

	if (*last >= 0 && now - *last < LOG_EVERY_MS)
		return 0;
	*last = now;
	return 1;
}

static int64_t resume_after_pause(nh_loop *loop, void *arg)
{
	nh_listener *l = arg;

	l->resume = NULL; /* the loop deletes it: we return STOP */
	l->paused &= ~PAUSE_FDS;
	watch_all(l);
	return NH_TIMER_STOP;
}

/* The listening socket stays readable while accept() fails for lack of
 * fds: pause instead of spinning on it. */
static void pause_for_fds(nh_listener *l, int err)
{
	l->st.fd_pauses++;
	if (log_due(l, &l->fds_log_ms))
		nh_warn(l->ctx, "accept: %s; pausing accepts for %lld ms (%u clients, %llu pauses)",
			strerror(err), (long long)l->o.emfile_pause_ms, l->st.active,
			(unsigned long long)l->st.fd_pauses);
	l->resume = nh_timer_add(l->loop, l->o.emfile_pause_ms, resume_after_pause, l);
	if (!l->resume)
		return; /* cannot time a pause: keep accepting rather than stop for good */
	l->paused |= PAUSE_FDS;
	watch_all(l);
}

void nh_listener_pause(nh_listener *l, int err)
{
	if (l && !(l->paused & PAUSE_FDS))
		pause_for_fds(l, err < 0 ? -err : err);
}

static void pause_when_full(nh_listener *l)
{
	if (log_due(l, &l->full_log_ms))
		nh_notice(l->ctx, "%u clients connected (the maximum); pausing accepts",
			  l->st.active);
	l->paused |= PAUSE_FULL;
	watch_all(l);
}

static void accept_ready(nh_loop *loop, int lfd, int events, void *arg)
{
	nh_listener *l = ((struct lsock *)arg)->l;

	if (l->paused)
		return; /* an event fetched before another socket paused us */
	for (unsigned i = 0; i < l->o.batch; i++) {
		int full = l->o.max_clients && l->st.active >= l->o.max_clients;
		if (full && l->o.at_max == NH_LISTEN_PAUSE) {
			pause_when_full(l); /* the backlog holds the rest */
			return;
		}
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO ||
			    errno == EPERM) /* one client's trouble (EPERM: a firewall rule) */
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pause_for_fds(l, errno); /* EMFILE & co, or worse: never spin */
			return;
		}
		if (full) {
			l->st.over_max++;
			close(fd);
			continue;
		}
		if (l->o.filter && l->o.filter(fd, (struct sockaddr *)&ss, len, l->o.arg) < 0) {
			l->st.refused++;
			close(fd);
			continue;
		}
		l->st.accepted++;
		l->st.active++;
		l->o.on_accept(fd, (struct sockaddr *)&ss, len, l->o.arg);
	}
}

/* Take listening socket fd (closed on failure). path: a file to unlink
 * at the end (copied), or NULL. */
static int adopt(nh_listener *l, int fd, const char *path, nh_error *err)
{
	struct lsock *s = calloc(1, sizeof(*s));
	struct lsock **grown = realloc(l->socks, (size_t)(l->n + 1) * sizeof(*grown));

	if (grown)
		l->socks = grown;
	if (!s || !grown || (path && !(s->path = strdup(path)))) {
		free(s);
		close(fd);
		return nh_error_set(err, ENOMEM, "out of memory");
	}
	s->l = l;
	s->fd = fd;
	if (path) {
		struct stat st;
		if (stat(path, &st) == 0) {
			s->dev = st.st_dev;
			s->ino = st.st_ino;
		}
	}
	s->io = nh_io_add(l->loop, fd, l->paused ? 0 : NH_READ, accept_ready, s);
	if (!s->io) {
		int e = errno;
		if (path)
			unlink(path);
		free(s->path);
		free(s);
		close(fd);
		return nh_error_set(err, e, "cannot watch the listener: %s", strerror(e));
	}
	l->socks[l->n++] = s;
	return 0;
}

int nh_listener_add_tcp(nh_listener *l, const nh_addr *a, int flags, nh_error *err)
{
	int fd = nh_listen_tcp(a, l->o.backlog, flags, err);

	return fd < 0 ? fd : adopt(l, fd, NULL, err);
}

int nh_listener_add_fd(nh_listener *l, int lfd, nh_error *err)
{
	int on = 0;
	socklen_t len = sizeof(on);

	if (getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on) {
		int e = on ? errno : EINVAL;
		close(lfd);
		return nh_error_set(err, e, "fd %d: not a listening socket", lfd);
	}
	int r = nh_fd_nonblock(lfd);
	if (r < 0) {
		close(lfd);
		return nh_error_set(err, -r, "fd %d: %s", lfd, strerror(-r));
	}
	return adopt(l, lfd, NULL, err);
}

/* A socket file is stale when connecting to it is refused: its owner is
 * gone. Anything else (accepted, full backlog, another socket type,
 * permission denied) means it may be alive, and it is not ours to take. */
static int clear_stale(nh_listener *l, const struct sockaddr_un *sun, socklen_t len, int type,
		       nh_error *err)
{
	const char *path = sun->sun_path;
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : nh_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return nh_error_set(err, EEXIST, "%s: exists and is not a socket; not replacing it",
				    path);
	int probe = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return nh_error_set(err, errno, "socket: %s", strerror(errno));
	int e = connect(probe, (const struct sockaddr *)sun, len) < 0 ? errno : 0;
	close(probe);
	if (e != ECONNREFUSED)
		return nh_error_set(err, EADDRINUSE,
				    "%s: in use by another process (%s); not replacing it", path,
				    e ? strerror(e) : "it accepted a connection");
	if (unlink(path) < 0 && errno != ENOENT)
		return nh_error_set(err, errno, "%s: cannot remove the stale socket: %s", path,
				    strerror(errno));
	nh_notice(l->ctx, "%s: removed a stale socket (nothing listened on it)", path);
	return 0;
}

int nh_listener_add_unix(nh_listener *l, const char *path, int type, int mode, nh_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int abstract = path[0] == '@', r;

	if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		return nh_error_set(err, EINVAL, "%s: a listener takes SOCK_STREAM or SOCK_SEQPACKET",
				    path);
	if (mode < 0 || mode > 0777)
		return nh_error_set(err, EINVAL, "%s: bad mode %o", path, (unsigned)mode);
	if (n == (size_t)abstract)
		return nh_error_set(err, EINVAL, "'%s': empty socket name", path);
	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (n > sizeof(sun.sun_path) - (abstract ? 0 : 1))
		return nh_error_set(err, ENAMETOOLONG,
				    "'%s': longer than the %zu bytes a socket name may have", path,
				    sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, n);
	if (abstract)
		sun.sun_path[0] = '\0';
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + !abstract);

	if (!abstract && (r = clear_stale(l, &sun, len, type, err)) < 0)
		return r;
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nh_error_set(err, errno, "socket: %s", strerror(errno));
	/* The file is born with its final mode: no window where the umask's
	 * looser mode lets someone connect. The host is single-threaded. */
	mode_t old = mode && !abstract ? umask(~(mode_t)mode & 0777) : 0;
	r = bind(fd, (const struct sockaddr *)&sun, len);
	int e = errno;
	if (mode && !abstract)
		umask(old);
	if (r < 0) {
		close(fd);
		return nh_error_set(err, e, "%s: bind: %s", path, strerror(e));
	}
	/* Said once more outright: the file's mode is the access control,
	 * so it must not depend on how a filesystem applied the umask. */
	if (!abstract && mode && chmod(path, (mode_t)mode) < 0) {
		e = errno;
		close(fd);
		unlink(path);
		return nh_error_set(err, e, "%s: chmod: %s", path, strerror(e));
	}
	if (listen(fd, l->o.backlog > 0 ? l->o.backlog : SOMAXCONN) < 0) {
		e = errno;
		close(fd);
		if (!abstract)
			unlink(path);
		return nh_error_set(err, e, "%s: listen: %s", path, strerror(e));
	}
	return adopt(l, fd, abstract ? NULL : path, err);
}

int nh_listener_local(const nh_listener *l, int i, nh_addr *out)
{
	if (i < 0 || i >= l->n)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->len = sizeof(out->u);
	return getsockname(l->socks[i]->fd, &out->u.sa, &out->len) < 0 ? -errno : 0;
}

void nh_listener_release(nh_listener *l)
{
	if (!l || !l->st.active)
		return;
	l->st.active--;
	if ((l->paused & PAUSE_FULL) && l->st.active < l->o.max_clients) {
		l->paused &= ~PAUSE_FULL;
		watch_all(l);
	}
}

unsigned nh_listener_active(const nh_listener *l)
{
	return l->st.active;
}

void nh_listener_stats(const nh_listener *l, struct nh_listener_stats *st)
{
	nh_sized_write(st, &l->st, sizeof(l->st));
}

void nh_listener_free(nh_listener *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++) {
		struct lsock *s = l->socks[i];
		struct stat st;
		nh_io_del(s->io);
		close(s->fd);
		/* Someone may have replaced the file since: leave theirs alone. */
		if (s->path && lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
		    st.st_ino == s->ino)
			unlink(s->path);
		free(s->path);
		free(s);
	}
	free(l->socks);
	nh_timer_del(l->resume);
	free(l);
}
