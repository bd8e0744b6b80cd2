/* DNS probes on the loop: getaddrinfo() blocks (files, then DNS with its
 * own retries), so each probe runs it in a child process that writes the
 * addresses, one numeric address a line, into a pipe the loop watches.
 * Cancelling kills and reaps the child: nothing outlives the probe, and a
 * resolver that hangs never holds up the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "icmp.h"

struct dns_probe {
	pid_t pid;
	int fd; /* the pipe's read end */
	nh_io *io;
	dns_probe_cb cb;
	void *arg;
	size_t len;
	char buf[DNS_PROBE_MAX_ADDRS * (INET6_ADDRSTRLEN + 1) + 256];
};

/* In the child: resolve, write the answer, exit. Only write(2) and
 * _exit(2) after getaddrinfo: no stdio buffers shared with the parent. */
static void resolve_in_child(int fd, const char *name)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char line[INET6_ADDRSTRLEN + 1];
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc != 0) {
		const char *why = rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
		int n = snprintf(line, sizeof(line), "!%s\n", why);
		if (write(fd, line, (size_t)n) < 0)
			_exit(1);
		_exit(0);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (!inet_ntop(ai->ai_family, a, line, sizeof(line) - 1))
			continue;
		strcat(line, "\n");
		if (write(fd, line, strlen(line)) < 0)
			_exit(1);
	}
	_exit(0);
}

static void reap(struct dns_probe *p)
{
	if (p->io) {
		nh_io_del(p->io);
		close(p->fd);
	}
	p->io = NULL;
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* "127.0.0.1\n::1\n" (duplicates dropped: one per socket type asked) or
 * "!reason\n" into r. */
static void parse_answer(struct dns_probe *p, struct dns_probe_result *r)
{
	char *save, *line;

	p->buf[p->len] = '\0';
	if (p->buf[0] == '!') {
		snprintf(r->error, sizeof(r->error), "%.*s", (int)strcspn(p->buf + 1, "\n"),
			 p->buf + 1);
		return;
	}
	for (line = strtok_r(p->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int dup = 0;
		for (int i = 0; i < r->naddrs; i++)
			dup |= strcmp(r->addrs[i], line) == 0;
		if (!dup && r->naddrs < DNS_PROBE_MAX_ADDRS)
			snprintf(r->addrs[r->naddrs++], sizeof(r->addrs[0]), "%s", line);
	}
	if (r->naddrs)
		r->ok = 1;
	else
		snprintf(r->error, sizeof(r->error), "the resolver answered no address");
}

static void readable(nh_loop *loop, int fd, int events, void *arg)
{
	struct dns_probe *p = arg;
	struct dns_probe_result r = { .ok = 0 };
	ssize_t n;

	(void)loop;
	(void)events;
	n = read(fd, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		p->len += (size_t)n;
		if (p->len < sizeof(p->buf) - 1)
			return;
		/* More than we keep: the first addresses, whole lines only. */
		while (p->len && p->buf[p->len - 1] != '\n')
			p->len--;
	}
	/* The end of the answer. */
	if (n < 0)
		snprintf(r.error, sizeof(r.error), "reading the resolver: %s", strerror(errno));
	else if (p->len == 0)
		snprintf(r.error, sizeof(r.error), "the resolver process died");
	else
		parse_answer(p, &r);
	reap(p);
	dns_probe_cb cb = p->cb;
	void *cb_arg = p->arg;
	free(p);
	cb(&r, cb_arg);
}

struct dns_probe *dns_probe_start(nh_loop *loop, const char *name, dns_probe_cb cb, void *arg)
{
	struct dns_probe *p = calloc(1, sizeof(*p));
	int fds[2];

	if (!p)
		return NULL;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(p);
		return NULL;
	}
	fflush(NULL); /* nothing buffered is written twice */
	p->pid = fork();
	if (p->pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		free(p);
		errno = e;
		return NULL;
	}
	if (p->pid == 0) {
		/* Only our pipe: another probe's write end held here would
		 * keep its answer from ending until we exit. */
		if (dup2(fds[1], 3) < 0)
			_exit(1);
		close_range(4, ~0U, 0);
		free(p); /* the parent's: unreachable here, a leak to memcheck */
		resolve_in_child(3, name);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p->fd = fds[0];
	p->cb = cb;
	p->arg = arg;
	if (!(p->io = nh_io_add(loop, fds[0], NH_READ, readable, p))) {
		int e = errno;
		close(fds[0]);
		reap(p); /* p->io is NULL: only the child */
		free(p);
		errno = e;
		return NULL;
	}
	return p;
}

void dns_probe_cancel(struct dns_probe *p)
{
	if (!p)
		return;
	reap(p);
	free(p);
}
