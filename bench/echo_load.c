/* echo_load: closed-loop echo load client for bench/echo.sh.
 *
 *   echo_load tcp:HOST:PORT|unix:PATH CONNS SECONDS [SIZE]
 *
 * CONNS connections each keep one SIZE-byte message (default 64) in
 * flight: send, wait for the whole echo, send again. Prints round trips
 * per second over SECONDS, after a short warm-up. One thread, epoll. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	size_t got;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(const char *target)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (strncmp(target, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", target + 5);
		len = sizeof(*un);
	} else if (strncmp(target, "tcp:", 4) == 0) {
		char host[128];
		const char *colon = strrchr(target + 4, ':');
		if (!colon)
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - target - 4), target + 4);
		char *h = host;
		if (*h == '[') {
			h++;
			h[strlen(h) - 1] = '\0';
		}
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(atoi(colon + 1));
			len = sizeof(*in6);
		} else if (inet_pton(AF_INET, h, &in4->sin_addr) == 1) {
			in4->sin_family = AF_INET;
			in4->sin_port = htons(atoi(colon + 1));
			len = sizeof(*in4);
		} else {
			return -1;
		}
	} else {
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("connect");
		exit(1);
	}
	if (ss.ss_family != AF_UNIX) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: echo_load tcp:HOST:PORT|unix:PATH CONNS SECONDS [SIZE]\n");
		return 2;
	}
	int n = atoi(argv[2]);
	double secs = atof(argv[3]);
	size_t size = argc > 4 ? (size_t)atoi(argv[4]) : 64;
	char msg[65536], buf[65536];
	struct conn *c = calloc((size_t)n, sizeof(*c));
	int ep = epoll_create1(0);

	if (n < 1 || size < 1 || size > sizeof(msg) || !c) {
		fprintf(stderr, "echo_load: bad arguments\n");
		return 2;
	}
	memset(msg, 'x', size);
	for (int i = 0; i < n; i++) {
		if ((c[i].fd = dial(argv[1])) < 0) {
			fprintf(stderr, "echo_load: bad target '%s'\n", argv[1]);
			return 2;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
		if (write(c[i].fd, msg, size) != (ssize_t)size) {
			perror("write");
			return 1;
		}
	}
	unsigned long trips = 0, counted = 0;
	double start = now(), warm = start + 0.5, end = warm + secs;
	int measuring = 0;
	struct epoll_event evs[256];
	for (;;) {
		int k = epoll_wait(ep, evs, 256, 1000);
		for (int i = 0; i < k; i++) {
			struct conn *cn = evs[i].data.ptr;
			ssize_t r = read(cn->fd, buf, size - cn->got);
			if (r <= 0) {
				fprintf(stderr, "echo_load: connection lost\n");
				return 1;
			}
			cn->got += (size_t)r;
			if (cn->got < size)
				continue;
			cn->got = 0;
			trips++;
			if (write(cn->fd, msg, size) != (ssize_t)size) {
				perror("write");
				return 1;
			}
		}
		double t = now();
		if (!measuring && t >= warm) {
			measuring = 1;
			counted = trips;
			start = t;
		}
		if (t >= end)
			break;
	}
	printf("%.0f\n", (double)(trips - counted) / (now() - start));
	return 0;
}
