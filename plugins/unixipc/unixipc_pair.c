/* nethost unixipc pair: a self-test of local IPC. The parent sends each
 * message over a socketpair(); the forked child prints what it received
 * and sends it back; the parent checks and times the echo. The child
 * knows the job (it was forked after the arguments were read), so it
 * reads exactly each message's length even on a stream: no framing. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unixipc.h"

/* Receive the next message of len bytes into buf (cap bytes). n or -1. */
static ssize_t child_recv(int fd, int type, unsigned char *buf, size_t cap, size_t len)
{
	if (type != SOCK_STREAM) {
		ssize_t n;
		while ((n = recv(fd, buf, cap, MSG_TRUNC)) < 0 && errno == EINTR)
			;
		return n;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)got;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int child_send(int fd, const unsigned char *buf, size_t len)
{
	size_t off = 0;

	do {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	} while (off < len);
	return 0;
}

/* The child: blocking I/O, no event loop (the loop's epoll and signalfd
 * belong to the parent). Returns its exit code. */
static int child_run(int fd, int type, const struct echo_job *job, unsigned char *buf, size_t cap)
{
	pid_t parent = getppid();

	for (long c = 0; c < job->count; c++) {
		for (int m = 0; m <= job->n_messages; m++) {
			int generated = m == job->n_messages;
			if (generated && !job->size)
				break;
			size_t len = generated ? job->size : strlen(job->messages[m]);
			ssize_t n = child_recv(fd, type, buf, cap, len);
			if (n < 0 || (size_t)n > cap) {
				fprintf(stderr, "unixipc pair: child: receive: %s\n",
					n < 0 ? strerror(errno) : "message too large");
				return NH_EXIT_FAIL;
			}
			if (n == 0 && len > 0) {
				fprintf(stderr, "unixipc pair: child: the parent closed the socket\n");
				return NH_EXIT_FAIL;
			}
			if (!job->quiet) {
				printf("%zd bytes from parent %ld", n, (long)parent);
				if (!generated)
					printf(": %.*s", (int)n, (const char *)buf);
				printf("\n");
				fflush(stdout); /* before the echo: keeps the output in order */
			}
			if (child_send(fd, buf, (size_t)n) < 0) {
				fprintf(stderr, "unixipc pair: child: send: %s\n", strerror(errno));
				return NH_EXIT_FAIL;
			}
		}
	}
	return NH_EXIT_OK;
}

int unixipc_pair(nh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		ECHO_JOB_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static char *hello[] = { "hello", NULL };
	struct echo_job job = ECHO_JOB_DEFAULT;
	int type = SOCK_STREAM, c, r, sv[2];

	while ((c = getopt_long(argc, argv, "T:" ECHO_JOB_SHORTOPTS, opts, NULL)) != -1) {
		if ((r = unixipc_job_option(ctx, c, &job, &type)) == 0)
			return nh_cli_usage_error(ctx, "unknown option");
		if (r != 1)
			return r;
	}
	job.messages = argv + optind;
	job.n_messages = argc - optind;
	if (!job.n_messages && !job.size) {
		job.messages = hello;
		job.n_messages = 1;
	}
	size_t cap = job.size;
	for (int m = 0; m < job.n_messages; m++)
		if (strlen(job.messages[m]) > cap)
			cap = strlen(job.messages[m]);
	unsigned char *buf = malloc(cap + 1);
	if (!buf || socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) {
		nh_error(ctx, "socketpair: %s", buf ? strerror(errno) : "out of memory");
		free(buf);
		return NH_EXIT_FAIL;
	}
	fflush(NULL); /* or the child would print the parent's buffered output too */
	pid_t pid = fork();
	if (pid < 0) {
		nh_error(ctx, "fork: %s (the self-test needs a second process)", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(buf);
		return NH_EXIT_FAIL;
	}
	if (pid == 0) {
		/* The parent's loop blocks the signals it watches (signalfd):
		 * the child must be stoppable by them like any process. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(sv[0]);
		int rc = child_run(sv[1], type, &job, buf, cap + 1);
		free(buf);
		_exit(rc);
	}
	close(sv[1]);
	char name[32];
	snprintf(name, sizeof(name), "child %ld", (long)pid);
	int code = echo_client_run(ctx, sv[0], name, &job);
	close(sv[0]);
	if (code != NH_EXIT_OK)
		kill(pid, SIGKILL); /* it may wait for a message that never comes */
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (code == NH_EXIT_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		nh_error(ctx, "child %ld %s %d", (long)pid,
			 WIFEXITED(status) ? "exited with" : "killed by signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		code = NH_EXIT_FAIL;
	}
	free(buf);
	return code;
}
