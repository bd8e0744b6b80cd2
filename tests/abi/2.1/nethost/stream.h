/* Stream helpers: a listener, a buffered writer, a blocking CLI client.
 *
 * What every service plugin otherwise writes by hand: accept in batches
 * without spinning when fds run out, stop at a client limit, queue output
 * for a socket that is full, and, in a CLI command, connect and talk with
 * a deadline.
 *
 * ABI: options and statistics structs start with their own size. Set it
 * with the _INIT macro, then the fields you need; the library reads (or
 * writes) only the fields inside ->size and uses defaults for the rest, so
 * a plugin built against an older header keeps working. Objects are
 * opaque. Everything runs on the loop of the ctx it was made with, from
 * that loop's thread.
 */
#ifndef NETHOST_STREAM_H
#define NETHOST_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <nethost/ctx.h>
#include <nethost/sock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- listener ---------------------------------------------------------- */

typedef struct nh_listener nh_listener;

/* What a listener does once max_clients are connected. */
enum nh_listen_full {
	NH_LISTEN_PAUSE = 0,  /* stop accepting; the kernel backlog holds newcomers
			       * until nh_listener_release() frees a slot */
	NH_LISTEN_REFUSE = 1, /* accept and close at once (counted in over_max) */
};

/* Decide about a connection just accepted, before on_accept: 0 keeps it,
 * -errno refuses it (the listener closes fd and counts it in refused; log
 * why yourself, you know it). sa is the peer address accept() gave. */
typedef int (*nh_accept_filter_cb)(int fd, const struct sockaddr *sa, socklen_t salen,
				   void *arg);
/* A client: fd (non-blocking, close-on-exec) is the callback's from now on.
 * It counts as one of max_clients until nh_listener_release() is called
 * for it, so call that once when it closes, and also when the callback
 * could not take it (after closing fd). */
typedef void (*nh_accept_cb)(int fd, const struct sockaddr *sa, socklen_t salen, void *arg);

struct nh_listener_opts {
	size_t size;              /* sizeof(struct nh_listener_opts): NH_LISTENER_OPTS_INIT */
	int backlog;              /* listen() backlog of sockets the listener opens; 0: SOMAXCONN */
	unsigned batch;           /* accepts per wakeup of one socket; 0: 64 */
	unsigned max_clients;     /* clients at once, across all sockets; 0: no limit */
	int at_max;               /* enum nh_listen_full; default NH_LISTEN_PAUSE */
	int64_t emfile_pause_ms;  /* pause after EMFILE/ENFILE/ENOBUFS/ENOMEM; 0: 100 */
	nh_accept_filter_cb filter; /* optional */
	nh_accept_cb on_accept;   /* required */
	void *arg;                /* handed to filter and on_accept */
};
#define NH_LISTENER_OPTS_INIT { .size = sizeof(struct nh_listener_opts) }

struct nh_listener_stats {
	size_t size;         /* set by the caller: NH_LISTENER_STATS_INIT */
	uint64_t accepted;   /* handed to on_accept */
	uint64_t refused;    /* refused by the filter */
	uint64_t over_max;   /* closed at once because max_clients were connected */
	uint64_t fd_pauses;  /* pauses for lack of fds or memory */
	unsigned active;     /* accepted and not yet released */
};
#define NH_LISTENER_STATS_INIT { .size = sizeof(struct nh_listener_stats) }

/* A listener with no sockets yet, on ctx's loop; it logs through ctx (the
 * fd-shortage pauses, one line a second at most; reaching max_clients).
 * o is copied. NULL with errno set: EINVAL (no on_accept, bad size or
 * at_max), ENOMEM. */
nh_listener *nh_listener_new(const nh_ctx *ctx, const struct nh_listener_opts *o);

/* Listen on TCP address a (nh_listen_tcp(): "[::]:80" is dual-stack unless
 * flags has NH_SOCK_V6ONLY; NH_SOCK_REUSEPORT, NH_SOCK_FREEBIND) and accept
 * on it from the next loop iteration. Port 0 picks a free port (see
 * nh_listener_local()). 0 or -errno with the reason in err. */
int nh_listener_add_tcp(nh_listener *l, const nh_addr *a, int flags, nh_error *err);

/* Listen on a Unix socket of type SOCK_STREAM or SOCK_SEQPACKET. path
 * "@name" is an abstract name; otherwise a file: an existing socket file
 * nobody listens on (connect is refused) is removed first, anything else
 * there (a live socket, a regular file) is an error and left alone. The
 * file is created with permission bits mode (e.g. 0660; 0 keeps what the
 * umask gives) and unlinked by nh_listener_free() if it is still the one
 * we made. 0 or -errno with the reason in err. */
int nh_listener_add_unix(nh_listener *l, const char *path, int type, int mode, nh_error *err);

/* Accept on lfd, a socket already listening (made non-blocking here). The
 * listener owns lfd from now on, whatever the result: on failure it is
 * closed. 0 or -errno with the reason in err (-EINVAL: not listening). */
int nh_listener_add_fd(nh_listener *l, int lfd, nh_error *err);

/* The local address of the i-th socket added (from 0), e.g. the port a
 * port-0 listener got. 0, -ENOENT (no such socket) or -errno. */
int nh_listener_local(const nh_listener *l, int i, nh_addr *out);

/* A client handed to on_accept has gone: frees its slot and resumes a
 * listener paused at max_clients. Extra calls (active already 0) and
 * NULL are ignored. */
void nh_listener_release(nh_listener *l);
/* Pause accepting as accept() failing with err (EMFILE, ENFILE...) would:
 * for emfile_pause_ms, counted and logged the same way. For a plugin that
 * ran out of fds for the other side of a client (an upstream socket): new
 * clients wait in the backlog rather than be taken and starved. Nothing
 * happens while such a pause runs; NULL is ignored. */
void nh_listener_pause(nh_listener *l, int err);
/* Clients accepted and not yet released. */
unsigned nh_listener_active(const nh_listener *l);

/* Copy the counters into st; only the first st->size bytes are written
 * (st->size itself is left as it is). */
void nh_listener_stats(const nh_listener *l, struct nh_listener_stats *st);

/* Stop accepting, close the listening sockets, unlink the Unix socket
 * files it created. Clients already accepted are not touched (they are
 * the caller's). Not from inside filter or on_accept. NULL is ignored. */
void nh_listener_free(nh_listener *l);

/* ---- buffered writer --------------------------------------------------- */

typedef struct nh_writer nh_writer;

/* fd has data to read (or EOF, or an error: read() tells). Read what you
 * need; on EOF or a read error call nh_writer_close(), or the callback
 * keeps being called. Not called while the queue holds more than half
 * the limit (back-pressure: the peer must read before it may write more),
 * nor once a close was asked. */
typedef void (*nh_writer_read_cb)(nh_writer *w, int fd, void *arg);
/* The writer is done: error is 0 after nh_writer_close(), or -errno when
 * the connection failed (-EPIPE, -ECONNRESET...). Called once, from the
 * loop (never from inside another nh_writer_* call). After it returns,
 * the writer closes fd and frees itself: forget w. */
typedef void (*nh_writer_close_cb)(nh_writer *w, int error, void *arg);

struct nh_writer_opts {
	size_t size;                   /* sizeof(struct nh_writer_opts): NH_WRITER_OPTS_INIT */
	size_t limit;                  /* most bytes queued at once; 0: 1 MiB */
	nh_writer_read_cb on_readable; /* optional */
	nh_writer_close_cb on_close;   /* optional */
	void *arg;
};
#define NH_WRITER_OPTS_INIT { .size = sizeof(struct nh_writer_opts) }

/* A writer for connected stream socket fd, which it owns from now on (it
 * is made non-blocking): the fd's one loop watcher is the writer's, so
 * read through on_readable. NULL with errno set (EINVAL, ENOMEM, or the
 * loop's error); fd is then still the caller's. */
nh_writer *nh_writer_new(const nh_ctx *ctx, int fd, const struct nh_writer_opts *o);

/* Send len bytes, or queue what the socket cannot take now; the write
 * watcher is armed only while something is queued. 0; -ENOBUFS when the
 * queue would exceed the limit (nothing is sent or queued); -errno when
 * the socket failed, or -ENOMEM (the writer is then closing: on_close
 * follows); -EPIPE once it is closing (after nh_writer_close() or an
 * error). */
int nh_writer_write(nh_writer *w, const void *buf, size_t len);
/* nh_writer_write() of a formatted text. Same results, and -ENOMEM. */
int nh_writer_printf(nh_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes queued and not yet sent. */
size_t nh_writer_queued(const nh_writer *w);
/* The socket, e.g. for getpeername() or shutdown(); still the writer's. */
int nh_writer_fd(const nh_writer *w);

/* Finish: flush 1 sends what is queued first, flush 0 drops it. Then
 * on_close(w, 0) runs from the loop and the writer closes fd and frees
 * itself. Reading stops now; writes fail with -EPIPE. A second call does
 * nothing, except that flush 0 cuts a flush short. Input still unread at
 * the close makes the kernel reset the connection, which may destroy
 * what was sent: with a peer that may still be sending, read to EOF (or
 * shutdown(fd, SHUT_WR) and read on) before closing. */
void nh_writer_close(nh_writer *w, int flush);
/* Close fd and free now, dropping what is queued, without calling
 * on_close. Ignored from inside on_close; NULL is ignored. A writer still
 * open when its instance's context goes (after destroy()) is freed this
 * way by the host: destroy() need not track its writers, but must not
 * expect their on_close either. */
void nh_writer_free(nh_writer *w);

/* ---- blocking client, for CLI commands --------------------------------- */

/* Connect to target within timeout_ms (> 0): "HOST:PORT" or "HOST" (port
 * default_port; < 0 makes the port required), "[v6]:PORT", a Unix stream
 * socket path "/run/x.sock" (a target starting with '/' or '.') or an
 * abstract name "@name". Names are resolved with nh_resolve() (blocking,
 * not bounded by the deadline); every address is tried in turn until one
 * connects or the deadline passes. Returns a connected non-blocking,
 * close-on-exec fd (the caller's) or -errno with the reason in err
 * (-ETIMEDOUT, -ECONNREFUSED of the last address tried, ...). */
int nh_client_connect(const char *target, int default_port, int64_t timeout_ms, nh_error *err);

/* Send all of buf within timeout_ms (> 0). 0, or -errno with the reason
 * in err (-ETIMEDOUT saying how much went; -EPIPE when the peer closed). */
int nh_client_send(int fd, const void *buf, size_t len, int64_t timeout_ms, nh_error *err);

/* Read into buf until want bytes arrived (want 0: until EOF or buf is
 * full, cap bytes) or the peer closed. Returns the bytes read: fewer than
 * want when EOF came first, 0 on EOF at once. -ETIMEDOUT when timeout_ms
 * (> 0) passed first: what arrived is in buf but is not a reply, and err
 * says how many bytes it was. -EINVAL when want > cap; other -errno on a
 * read error. */
ssize_t nh_client_read(int fd, void *buf, size_t cap, size_t want, int64_t timeout_ms,
		       nh_error *err);

#ifdef __cplusplus
}
#endif
#endif
