/* bench/tls_load.c: the TLS part of bench/forward.sh. Sinks and clients
 * in C with OpenSSL, so that they are not what limits the figures.
 *
 *   tls_load sink PORT                 plain TCP: read and discard
 *   tls_load tlssink PORT CERT KEY     TLS: read and discard
 *   tls_load send PORT SECS tls|plain  one stream for SECS: prints Gbit/s
 *   tls_load hold PORT N               N TLS connections, handshaken, idle
 *
 * A thread per connection on the sinks: one stream at a time is what is
 * measured. Loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static SSL_CTX *server_ctx;

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

static void *sink_conn(void *arg)
{
	int fd = (int)(long)arg;
	size_t len = 256 * 1024;
	char *buf = malloc(len);

	if (server_ctx) {
		SSL *ssl = SSL_new(server_ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1)
			while (SSL_read(ssl, buf, (int)len) > 0)
				;
		SSL_free(ssl);
	} else {
		while (read(fd, buf, len) > 0)
			;
	}
	free(buf);
	close(fd);
	return NULL;
}

static int sink(const char *port)
{
	struct sockaddr_in a = addr(port);
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4096) < 0) {
		perror("sink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		pthread_t t;
		if (fd < 0)
			continue;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 64 * 1024);
		if (pthread_create(&t, &at, sink_conn, (void *)(long)fd) != 0)
			close(fd);
		pthread_attr_destroy(&at);
	}
}

static int dial(const char *port)
{
	struct sockaddr_in a = addr(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static SSL *tls_dial(SSL_CTX *ctx, const char *port)
{
	SSL *ssl = SSL_new(ctx);

	SSL_set_fd(ssl, dial(port));
	SSL_set_tlsext_host_name(ssl, "www.example.test");
	if (SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	return ssl;
}

static SSL_CTX *client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

static int send_for(const char *port, double secs, int tls)
{
	static char buf[256 * 1024];
	SSL *ssl = tls ? tls_dial(client_ctx(), port) : NULL;
	int fd = tls ? SSL_get_fd(ssl) : dial(port);
	double t0 = now(), t;
	unsigned long long n = 0;

	memset(buf, 'x', sizeof(buf));
	while ((t = now()) - t0 < secs) {
		/* TLS writes a record (16 KiB) at a time whatever we pass. */
		int k = tls ? SSL_write(ssl, buf, sizeof(buf)) : (int)write(fd, buf, sizeof(buf));
		if (k <= 0) {
			fprintf(stderr, "send: failed after %llu bytes\n", n);
			return 1;
		}
		n += (unsigned long long)k;
	}
	printf("%.2f\n", n * 8 / (t - t0) / 1e9);
	return 0;
}

static int hold(const char *port, int n)
{
	SSL_CTX *ctx = client_ctx();
	SSL **s = calloc((size_t)n, sizeof(*s));

	for (int i = 0; i < n; i++)
		s[i] = tls_dial(ctx, port);
	printf("holding %d\n", n);
	fflush(stdout);
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return sink(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "tlssink")) {
		server_ctx = SSL_CTX_new(TLS_server_method());
		if (SSL_CTX_use_certificate_chain_file(server_ctx, argv[3]) != 1 ||
		    SSL_CTX_use_PrivateKey_file(server_ctx, argv[4], SSL_FILETYPE_PEM) != 1) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
		return sink(argv[2]);
	}
	if (argc == 5 && !strcmp(argv[1], "send"))
		return send_for(argv[2], atof(argv[3]), !strcmp(argv[4], "tls"));
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: tls_load sink PORT | tlssink PORT CERT KEY | "
			"send PORT SECS tls|plain | hold PORT N\n");
	return 2;
}
