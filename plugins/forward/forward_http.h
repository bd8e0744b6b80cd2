/* http_host's request rewriter (forward_http.c): a stream of client
 * bytes in, the same requests with `Host: NAME` out. No sockets: the
 * relay feeds it, and so does the fuzz target. */
#ifndef FORWARD_HTTP_H
#define FORWARD_HTTP_H

#include <stddef.h>
#include <sys/types.h>

struct fwd_http;

/* A rewriter giving every request `Host: host`; NULL: out of memory. */
struct fwd_http *fwd_http_new(const char *host);
void fwd_http_free(struct fwd_http *x);
/* Where the next client bytes go, and how many fit (0: full, or out of
 * memory when it returns NULL). fwd_http_added() says how many came. */
char *fwd_http_space(struct fwd_http *x, size_t *room);
void fwd_http_added(struct fwd_http *x, size_t n);
/* Client bytes not yet handed out. */
size_t fwd_http_held(const struct fwd_http *x);
/* Move what is ready into out (room bytes at most): request heads once
 * complete, rewritten; bodies as they are. Bytes written, or -EBADMSG
 * for a request the parser refused (fwd_http_why() says why). */
ssize_t fwd_http_run(struct fwd_http *x, char *out, size_t room);
const char *fwd_http_why(const struct fwd_http *x);
/* The reply to a refused request. */
extern const char fwd_http_400[];

#endif
