/* relay_min: the least a TCP relay can be, as a measuring stick for
 * bench/forward.sh. Two threads a connection, each in a blocking loop
 * moving one direction: no event loop, no limits, no logging, no errors
 * handled beyond stopping. What it reaches is what the kernel allows a
 * relay on this machine, with splice() through a pipe or with read()/
 * write() through a buffer of the same size.
 *
 *   relay_min splice|copy LISTEN_PORT TARGET_PORT     (127.0.0.1 only)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (512 * 1024) /* nethost forward's pipe size */

struct conn {
	int fd[2];
	int left; /* halves still running; the last one closes the fds */
};

struct half {
	struct conn *c;
	int from, to;
};

static int use_splice;

/* One chunk from one socket to the other: 1 moved, 0 EOF, -1 error. */
static int move_splice(int from, int to, int pipefd[2])
{
	ssize_t n = splice(from, NULL, pipefd[1], NULL, CHUNK, SPLICE_F_MOVE);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	while (n > 0) {
		ssize_t m = splice(pipefd[0], NULL, to, NULL, (size_t)n, SPLICE_F_MOVE);
		if (m <= 0)
			return -1;
		n -= m;
	}
	return 1;
}

static int move_copy(int from, int to, char *buf)
{
	ssize_t n = read(from, buf, CHUNK);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	for (char *p = buf; n > 0;) {
		ssize_t m = write(to, p, (size_t)n);
		if (m <= 0)
			return -1;
		p += m;
		n -= m;
	}
	return 1;
}

static void *pump(void *arg)
{
	struct half *h = arg;
	int pipefd[2] = { -1, -1 };
	char *buf = NULL;

	if (use_splice) {
		if (pipe(pipefd) < 0)
			return NULL;
		fcntl(pipefd[0], F_SETPIPE_SZ, CHUNK);
	} else if (!(buf = malloc(CHUNK))) {
		return NULL;
	}
	while ((use_splice ? move_splice(h->from, h->to, pipefd) : move_copy(h->from, h->to, buf)) == 1)
		;
	shutdown(h->to, SHUT_WR);
	if (use_splice) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	free(buf);
	if (__atomic_sub_fetch(&h->c->left, 1, __ATOMIC_ACQ_REL) == 0) {
		close(h->c->fd[0]);
		close(h->c->fd[1]);
		free(h->c);
	}
	free(h);
	return NULL;
}

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "splice") && strcmp(argv[1], "copy"))) {
		fprintf(stderr, "usage: relay_min splice|copy LISTEN_PORT TARGET_PORT\n");
		return 2;
	}
	use_splice = !strcmp(argv[1], "splice");
	signal(SIGPIPE, SIG_IGN);
	struct sockaddr_in l = loopback(argv[2]), u = loopback(argv[3]);
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&l, sizeof(l)) || listen(ls, 4096))
		return perror("relay_min: bind"), 1;
	for (;;) {
		int c = accept(ls, NULL, NULL);
		if (c < 0)
			continue;
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&u, sizeof(u)) < 0) {
			close(c);
			close(s);
			continue;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *cn = malloc(sizeof(*cn));
		*cn = (struct conn){ .fd = { c, s }, .left = 2 };
		for (int i = 0; i < 2; i++) {
			struct half *h = malloc(sizeof(*h));
			*h = (struct half){ cn, cn->fd[i], cn->fd[!i] };
			pthread_t t;
			pthread_create(&t, NULL, pump, h);
			pthread_detach(t);
		}
	}
}
