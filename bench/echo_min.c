/* echo_min: the ceiling for bench/echo.sh, a minimal single-threaded
 * epoll echo server: level-triggered, one read and one write per event,
 * nothing else (no timeouts, no limits, no logging).
 *
 *   echo_min tcp6 PORT | echo_min unix PATH */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int lfd, one = 1, ep = epoll_create1(0);
	char buf[65536];

	if (argc != 3)
		return 2;
	if (strcmp(argv[1], "unix") == 0) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", argv[2]);
		unlink(un.sun_path);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (bind(lfd, (struct sockaddr *)&un, sizeof(un)) < 0)
			return perror("bind"), 1;
	} else {
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[2])),
					    .sin6_addr = IN6ADDR_ANY_INIT };
		lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (struct sockaddr *)&in6, sizeof(in6)) < 0)
			return perror("bind"), 1;
	}
	listen(lfd, SOMAXCONN);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				if (c < 0)
					continue;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				close(fd);
				continue;
			}
			/* 64-byte messages always fit in the socket buffer. */
			if (send(fd, buf, (size_t)r, MSG_NOSIGNAL) < 0)
				close(fd);
		}
	}
}
