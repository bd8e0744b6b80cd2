/* Unix socket addresses, stale-socket handling, peer uid lists. */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unixipc.h"

int unixipc_addr_parse(const char *text, struct unixipc_addr *out, nh_error *err)
{
	size_t max = sizeof(out->sun.sun_path), len = strlen(text);

	memset(out, 0, sizeof(*out));
	out->sun.sun_family = AF_UNIX;
	if (len == 0 || (text[0] == '@' && len == 1))
		return nh_error_set(err, EINVAL, "'%s': empty socket name", text);
	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (len > max - (text[0] == '@' ? 0 : 1))
		return nh_error_set(err, ENAMETOOLONG, "'%s': longer than the %zu bytes a socket name may have",
				    text, max - 1);
	snprintf(out->text, sizeof(out->text), "%s", text);
	if (text[0] == '@') {
		out->abstract = 1;
		memcpy(out->sun.sun_path + 1, text + 1, len - 1);
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		memcpy(out->sun.sun_path, text, len);
		out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	return 0;
}

int unixipc_type_parse(const char *text)
{
	if (strcmp(text, "stream") == 0)
		return SOCK_STREAM;
	if (strcmp(text, "seqpacket") == 0)
		return SOCK_SEQPACKET;
	if (strcmp(text, "dgram") == 0)
		return SOCK_DGRAM;
	return -EINVAL;
}

const char *unixipc_type_name(int type)
{
	return type == SOCK_DGRAM ? "dgram" : type == SOCK_SEQPACKET ? "seqpacket" : "stream";
}

int unixipc_mode_parse(const char *text, mode_t *mode, nh_error *err)
{
	char *end;
	unsigned long m = strtoul(text, &end, 8);

	if (!*text || *text == '-' || *text == '+' || *end || m > 0777)
		return nh_error_set(err, EINVAL, "'%s' is not an octal file mode (e.g. 0660)", text);
	if (m == 0)
		return nh_error_set(err, EINVAL, "'%s': a socket file nobody may open serves no one",
				    text);
	*mode = (mode_t)m;
	return 0;
}

int unixipc_uids_parse(const char *text, uid_t **list, int *n, nh_error *err)
{
	char *copy = strdup(text), *save = NULL;
	uid_t *out = NULL;
	int count = 0;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		char *end;
		unsigned long v;
		errno = 0;
		v = strtoul(w, &end, 10);
		if (*w >= '0' && *w <= '9') {
			if (w[0] == '0' && w[1]) { /* octal to C, ten to us: say which */
				nh_error_set(err, EINVAL, "'%s': a leading zero (numbers are decimal: write %lu)",
					     w, errno || *end ? 0 : v);
				goto bad;
			}
			if (errno || *end || v >= (uid_t)-1) {
				nh_error_set(err, EINVAL, "'%s' is not a uid", w);
				goto bad;
			}
		} else {
			struct passwd *pw = getpwnam(w);
			if (!pw) {
				nh_error_set(err, EINVAL, "'%s': no such user", w);
				goto bad;
			}
			v = pw->pw_uid;
		}
		uid_t *grown = realloc(out, (size_t)(count + 1) * sizeof(*out));
		if (!grown) {
			nh_error_set(err, ENOMEM, "out of memory");
			goto bad;
		}
		out = grown;
		out[count++] = (uid_t)v;
	}
	free(copy);
	if (!count)
		return nh_error_set(err, EINVAL, "'%s': no uid given", text);
	*list = out;
	*n = count;
	return 0;
bad:
	free(copy);
	free(out);
	return -EINVAL;
}

/* A socket file is stale when connecting to it is refused: its owner is
 * gone. Anything else (accepted, full backlog, another socket type,
 * permission denied) means it may be alive, and it is not ours to take. */
static int clear_stale(const struct unixipc *u, nh_error *err)
{
	const char *path = u->addr.sun.sun_path;
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : nh_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return nh_error_set(err, EEXIST, "%s: exists and is not a socket; not replacing it", path);
	int probe = socket(AF_UNIX, u->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return nh_error_set(err, errno, "socket: %s", strerror(errno));
	int r = connect(probe, (const struct sockaddr *)&u->addr.sun, u->addr.len);
	int e = r < 0 ? errno : 0;
	close(probe);
	if (e == ECONNREFUSED) {
		if (unlink(path) < 0 && errno != ENOENT)
			return nh_error_set(err, errno, "%s: cannot remove the stale socket: %s", path,
					    strerror(errno));
		nh_notice(u->ctx, "%s: removed a stale socket (nothing listened on it)", path);
		return 0;
	}
	return nh_error_set(err, EADDRINUSE, "%s: in use by another process (%s); not replacing it",
			    path, e ? strerror(e) : "it accepted a connection");
}

int unixipc_bind_dgram(struct unixipc *u, nh_error *err)
{
	int r;

	if (!u->addr.abstract && (r = clear_stale(u, err)) < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return nh_error_set(err, errno, "socket: %s", strerror(errno));
	/* The file is born with its final mode: no window where the umask's
	 * looser mode lets someone connect. The host is single-threaded. */
	mode_t old = umask(~u->mode & 0777);
	r = bind(fd, (const struct sockaddr *)&u->addr.sun, u->addr.len);
	int e = errno;
	umask(old);
	if (r < 0) {
		close(fd);
		return nh_error_set(err, e, "%s: bind: %s", u->addr.text, strerror(e));
	}
	if (!u->addr.abstract) {
		struct stat st;
		if (chmod(u->addr.sun.sun_path, u->mode) < 0 || stat(u->addr.sun.sun_path, &st) < 0) {
			e = errno;
			close(fd);
			unlink(u->addr.sun.sun_path);
			return nh_error_set(err, e, "%s: chmod: %s", u->addr.text, strerror(e));
		}
		u->dev = st.st_dev;
		u->ino = st.st_ino;
	}
	return fd;
}

void unixipc_unlink(struct unixipc *u)
{
	struct stat st;

	if (u->addr.abstract || !u->ino)
		return;
	/* Someone may have replaced the file since: leave theirs alone. */
	if (lstat(u->addr.sun.sun_path, &st) == 0 && st.st_dev == u->dev && st.st_ino == u->ino)
		unlink(u->addr.sun.sun_path);
	u->ino = 0;
}

static int not_type(const struct unixipc_addr *a, int type, nh_error *err)
{
	return nh_error_set(err, EPROTOTYPE, "%s: not a %s socket (try --type)", a->text,
			    unixipc_type_name(type));
}

int unixipc_connect(const struct unixipc_addr *a, int type, int64_t timeout_ms, nh_error *err)
{
	/* nh_client_connect() knows a path by its '/' or '.' (else it is a
	 * host name); another relative path connects below, blocking. */
	if (type == SOCK_STREAM && strchr("/.@", a->text[0])) {
		int fd = nh_client_connect(a->text, -1, timeout_ms, err);
		if (fd == -EPROTOTYPE)
			return not_type(a, type, err);
		return fd;
	}
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return nh_error_set(err, errno, "socket: %s", strerror(errno));
	if (type == SOCK_DGRAM) {
		/* Autobind: a unique abstract name the echo can be sent to. */
		struct sockaddr_un any = { .sun_family = AF_UNIX };
		if (bind(fd, (const struct sockaddr *)&any, sizeof(sa_family_t)) < 0) {
			int e = errno;
			close(fd);
			return nh_error_set(err, e, "bind: %s", strerror(e));
		}
	}
	if (connect(fd, (const struct sockaddr *)&a->sun, a->len) < 0) {
		int e = errno;
		close(fd);
		if (e == EPROTOTYPE)
			return not_type(a, type, err);
		return nh_error_set(err, e, "%s: connect: %s", a->text, strerror(e));
	}
	return fd;
}
