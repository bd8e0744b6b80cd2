/* UDP request/response load for bench/forward_udp.sh, and its echo server.
 *
 *   udp_load echo PORT             echo every datagram to its sender
 *                                  (recvmmsg/sendmmsg, 127.0.0.1)
 *   udp_load load PORT N SECS      N client sockets, closed loop: each sends
 *                                  64 B and waits for the reply before the
 *                                  next; prints "rate R ok O misrouted M
 *                                  lost L bad B"
 *   udp_load hold PORT N           N client sockets, one answered round trip
 *                                  each, then wait (prints "holding N")
 *
 * A request carries its client's number and sequence number. A reply that
 * comes back to another client's socket is misrouted; one that is empty,
 * cut or from another address is bad; a request unanswered for 100 ms is
 * lost and sent again with the next number. Only replies that reach their
 * own sender with the number it waits for count toward the rate.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIZE 64
#define BATCH 64
#define LOST_MS 100

static uint32_t run_id;

struct req {
	uint32_t run, id, seq; /* run: this process's, to ignore a former one's replies */
	char pad[SIZE - 12];
};
_Static_assert(sizeof(struct req) == SIZE, "a request is SIZE bytes");

static struct sockaddr_in addr(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int echo(struct sockaddr_in a)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;
	static char bufs[BATCH][2048];
	struct sockaddr_in names[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr m[BATCH];

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (bind(fd, (void *)&a, sizeof(a)))
		return perror("echo: bind"), 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			m[i].msg_hdr = (struct msghdr){ .msg_name = &names[i],
							.msg_namelen = sizeof(names[i]),
							.msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int n = recvmmsg(fd, m, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++)
			iov[i].iov_len = m[i].msg_len;
		sendmmsg(fd, m, n, 0);
	}
}

struct client {
	int fd;
	uint32_t seq;
	double sent;
};

static int open_clients(struct client *c, int n, int ep)
{
	struct sockaddr_in me = addr("0");

	for (int i = 0; i < n; i++) {
		c[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (c[i].fd < 0 || bind(c[i].fd, (void *)&me, sizeof(me)))
			return perror("socket"), -1;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	return 0;
}

static void send_req(struct client *c, int i, struct sockaddr_in *to)
{
	struct req r = { .run = run_id, .id = (uint32_t)i, .seq = ++c[i].seq };

	memset(r.pad, 'x', sizeof(r.pad));
	sendto(c[i].fd, &r, sizeof(r), 0, (void *)to, sizeof(*to));
	c[i].sent = now();
}

/* Read what client i has: 1 when its own awaited reply came. */
static int take_replies(struct client *c, int i, struct sockaddr_in *from_want, long *misrouted,
			long *bad)
{
	int own = 0;

	for (;;) {
		struct req r;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t k = recvfrom(c[i].fd, &r, sizeof(r), MSG_TRUNC, (void *)&from, &fl);
		if (k < 0)
			return own;
		if (k == SIZE && r.run != run_id)
			continue; /* a late reply to a former run's socket of that port */
		if (k != SIZE || from.sin_port != from_want->sin_port ||
		    from.sin_addr.s_addr != from_want->sin_addr.s_addr)
			(*bad)++;
		else if (r.id != (uint32_t)i)
			(*misrouted)++;
		else if (r.seq == c[i].seq)
			own = 1;
		/* else: a late reply to a request counted lost */
	}
}

static int load(struct sockaddr_in to, int n, double secs)
{
	struct client *c = calloc(n, sizeof(*c));
	struct epoll_event evs[256];
	int ep = epoll_create1(0);
	long ok = 0, misrouted = 0, lost = 0, bad = 0;

	if (!c || open_clients(c, n, ep) < 0)
		return 1;
	double t0 = now(), t, last_scan = t0;
	for (int i = 0; i < n; i++)
		send_req(c, i, &to);
	while ((t = now()) - t0 < secs) {
		int k = epoll_wait(ep, evs, 256, 10);
		for (int e = 0; e < k; e++) {
			int i = (int)evs[e].data.u32;
			if (take_replies(c, i, &to, &misrouted, &bad)) {
				ok++;
				send_req(c, i, &to);
			}
		}
		if (t - last_scan > 0.02) {
			last_scan = t;
			for (int i = 0; i < n; i++)
				if (t - c[i].sent > LOST_MS / 1000.0) {
					lost++;
					send_req(c, i, &to);
				}
		}
	}
	printf("rate %.0f ok %ld misrouted %ld lost %ld bad %ld\n", ok / (t - t0), ok, misrouted, lost,
	       bad);
	return 0;
}

static int hold(struct sockaddr_in to, int n)
{
	struct client *c = calloc(n, sizeof(*c));
	int ep = epoll_create1(0), left = n;
	long misrouted = 0, bad = 0;
	char *done = calloc(n, 1);
	struct epoll_event evs[256];

	if (!c || !done || open_clients(c, n, ep) < 0)
		return 1;
	/* In steps of 500, so no socket buffer on the way overflows. */
	for (int base = 0; base < n; base += 500) {
		int top = base + 500 < n ? base + 500 : n;
		for (int tries = 0; tries < 20; tries++) {
			int missing = 0;
			for (int i = base; i < top; i++)
				if (!done[i]) {
					send_req(c, i, &to);
					missing++;
				}
			if (!missing)
				break;
			double t0 = now();
			while (now() - t0 < 0.2) {
				int k = epoll_wait(ep, evs, 256, 20);
				for (int e = 0; e < k; e++) {
					int i = (int)evs[e].data.u32;
					if (take_replies(c, i, &to, &misrouted, &bad) && !done[i]) {
						done[i] = 1;
						left--;
					}
				}
			}
		}
	}
	if (left)
		return fprintf(stderr, "hold: %d of %d never answered\n", left, n), 1;
	printf("holding %d\n", n);
	fflush(stdout);
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	run_id = (uint32_t)getpid() ^ (uint32_t)(now() * 1e6);
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return echo(addr(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "load"))
		return load(addr(argv[2]), atoi(argv[3]), atof(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(addr(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: udp_load echo PORT | load PORT N SECS | hold PORT N\n");
	return 2;
}
