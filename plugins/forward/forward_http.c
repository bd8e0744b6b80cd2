/* http_host: the Host: header of every HTTP/1.x request a client sends
 * is replaced on its way upstream. The Node.js parser (libhttp-parser)
 * finds where each request head ends and where its body ends (Content-
 * Length, chunked, none), so that keep-alive and pipelined requests are
 * all rewritten and bodies pass untouched. The head is rewritten only
 * once the parser accepted it whole; one it refuses ends the connection
 * (the relay answers 400), never a guess.
 *
 * Bytes from the client land in `in`; fwd_http_run() moves them out:
 * a head when it is complete (rewritten), body bytes as they come.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "forward_http.h"

/* Longest request head accepted. With the new Host line it must fit in
 * the relay's buffer (FWD_BUF_SIZE) whole. */
#define HTTP_HEAD_MAX (32 * 1024)
#define HTTP_IN_CAP HTTP_HEAD_MAX

enum mode { HEAD, BODY, TUNNEL };

struct fwd_http {
	http_parser p;
	enum mode mode;
	char *in;        /* held only while it holds bytes */
	size_t off, len; /* unsent bytes: in[off .. off+len) */
	size_t scanned;  /* HEAD: of those, already fed to the parser */
	size_t host_len;
	char why[120];
	char host[]; /* the Host: value every request gets */
};

/* Pause at the two points where the stream changes its nature: the
 * parser returns there and says how far it read. */
static int pause_here(http_parser *p)
{
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_headers_complete = pause_here,
	.on_message_complete = pause_here,
};

struct fwd_http *fwd_http_new(const char *host)
{
	size_t n = strlen(host);
	struct fwd_http *x = calloc(1, sizeof(*x) + n + 1);

	if (!x)
		return NULL;
	http_parser_init(&x->p, HTTP_REQUEST);
	memcpy(x->host, host, n + 1);
	x->host_len = n;
	return x;
}

void fwd_http_free(struct fwd_http *x)
{
	if (x)
		free(x->in);
	free(x);
}

char *fwd_http_space(struct fwd_http *x, size_t *room)
{
	if (!x->in && !(x->in = malloc(HTTP_IN_CAP))) {
		*room = 0;
		return NULL;
	}
	if (x->off && x->len)
		memmove(x->in, x->in + x->off, x->len);
	x->off = 0;
	*room = HTTP_IN_CAP - x->len;
	return x->in + x->len;
}

void fwd_http_added(struct fwd_http *x, size_t n)
{
	x->len += n;
}

size_t fwd_http_held(const struct fwd_http *x)
{
	return x->len;
}

const char *fwd_http_why(const struct fwd_http *x)
{
	return x->why;
}

static ssize_t bad(struct fwd_http *x, const char *why)
{
	snprintf(x->why, sizeof(x->why), "%s", why);
	return -EBADMSG;
}

static int is_host_line(const char *s, size_t n)
{
	return n >= 5 && strncasecmp(s, "host:", 5) == 0;
}

/* The head (head[0..n), ending in its empty line) into out with one
 * `Host: NAME` line in place of the first Host line (or before the
 * empty line when there was none); other Host lines, and the folded
 * continuations of any Host line, dropped. Returns the bytes written;
 * out has room for n + host_len + 8. */
static size_t rewrite_head(const struct fwd_http *x, const char *head, size_t n, char *out)
{
	size_t o = 0, i = 0;
	int seen_request = 0, done = 0, skipping = 0;

	while (i < n) {
		const char *line = head + i, *nl = memchr(line, '\n', n - i);
		size_t ll = nl ? (size_t)(nl - line) + 1 : n - i;
		int blank = line[0] == '\n' || (line[0] == '\r' && ll == 2);
		int fold = line[0] == ' ' || line[0] == '\t';

		i += ll;
		if (!seen_request) { /* the parser lets empty lines lead: drop them */
			if (blank)
				continue;
			seen_request = 1;
		} else if (blank || !fold) {
			skipping = !blank && is_host_line(line, ll);
			if ((skipping || blank) && !done) {
				memcpy(out + o, "Host: ", 6);
				memcpy(out + o + 6, x->host, x->host_len);
				memcpy(out + o + 6 + x->host_len, "\r\n", 2);
				o += 8 + x->host_len;
				done = 1;
			}
		}
		if (skipping)
			continue;
		memcpy(out + o, line, ll);
		o += ll;
	}
	return o;
}

static int is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* `METHOD SP TARGET SP HTTP/1.d` */
static int request_line_ok(const char *l, size_t n)
{
	size_t i = 0, t;

	while (i < n && ((l[i] >= 'A' && l[i] <= 'Z') || l[i] == '-'))
		i++;
	if (i == 0 || i == n || l[i++] != ' ')
		return 0;
	for (t = i; i < n && (unsigned char)l[i] > ' ' && (unsigned char)l[i] < 0x7f; i++)
		;
	if (i == t || n - i != 9 || memcmp(l + i, " HTTP/1.", 8))
		return 0;
	return l[n - 1] >= '0' && l[n - 1] <= '9';
}

/* The parser is built lenient: it lets a lone CR end a line, spaces into
 * header names, a version of "H". A proxy that reads a head one way and
 * hands it to a server that reads it another is how requests are
 * smuggled, so the head must also be strictly well-formed: lines end in
 * LF or CRLF, a request line, `name:` header lines (no obs-fold, which
 * RFC 9112 lets a server refuse), an empty line. */
static int head_strict_ok(const char *d, size_t n)
{
	size_t i = 0;
	int first = 1;

	for (;;) /* empty lines may lead; rewrite_head() drops them */
		if (i < n && d[i] == '\n')
			i++;
		else if (i + 1 < n && d[i] == '\r' && d[i + 1] == '\n')
			i += 2;
		else
			break;
	while (i < n) {
		const char *l = d + i, *nl = memchr(l, '\n', n - i);
		if (!nl)
			return 0;
		size_t len = (size_t)(nl - l);
		i += len + 1;
		if (len && l[len - 1] == '\r')
			len--;
		if (memchr(l, '\r', len))
			return 0;
		if (len == 0)
			return !first && i == n;
		if (first) {
			if (!request_line_ok(l, len))
				return 0;
			first = 0;
			continue;
		}
		size_t k = 0;
		while (k < len && is_tchar((unsigned char)l[k]))
			k++;
		if (k == 0 || k == len || l[k] != ':')
			return 0;
	}
	return 0;
}

/* HEAD: feed what is new; once the head is complete, write it rewritten.
 * 0: need more bytes or room; >0 written; -EBADMSG. */
static ssize_t run_head(struct fwd_http *x, char *out, size_t room)
{
	const char *d = x->in + x->off;

	if (HTTP_PARSER_ERRNO(&x->p) != HPE_PAUSED) {
		if (x->scanned == x->len)
			return 0;
		size_t n = http_parser_execute(&x->p, &settings, d + x->scanned,
					       x->len - x->scanned);
		enum http_errno e = HTTP_PARSER_ERRNO(&x->p);
		if (e != HPE_OK && e != HPE_PAUSED)
			return bad(x, http_errno_description(e));
		x->scanned += n;
		if (e == HPE_OK) {
			if (x->scanned >= HTTP_HEAD_MAX)
				return bad(x, "request head too long");
			return 0;
		}
		/* Paused at the head's end, on its last '\n' (not consumed). */
		if (d[x->scanned] != '\n' || !head_strict_ok(d, x->scanned + 1))
			return bad(x, "malformed request head");
		if (x->p.http_major != 1) /* 0.9 has no headers to rewrite */
			return bad(x, "not an HTTP/1.x request");
		x->scanned++;
	}
	size_t head = x->scanned;
	if (room < head + x->host_len + 8)
		return 0; /* the relay drains its buffer first */
	size_t o = rewrite_head(x, d, head, out);
	x->off += head;
	x->len -= head;
	x->scanned = 0;
	http_parser_pause(&x->p, 0);
	if (x->p.upgrade) {
		x->mode = TUNNEL; /* CONNECT, Upgrade: websocket...: bytes from now on */
		return (ssize_t)o;
	}
	/* The parser goes on from the '\n' it stopped at. */
	http_parser_execute(&x->p, &settings, "\n", 1);
	enum http_errno e = HTTP_PARSER_ERRNO(&x->p);
	if (e == HPE_PAUSED) /* no body: the next request's head follows */
		http_parser_pause(&x->p, 0);
	else if (e != HPE_OK)
		return bad(x, http_errno_description(e));
	else
		x->mode = BODY;
	return (ssize_t)o;
}

/* BODY: pass bytes through while the parser follows the framing. */
static ssize_t run_body(struct fwd_http *x, char *out, size_t room)
{
	size_t want = x->len < room ? x->len : room;
	size_t n = http_parser_execute(&x->p, &settings, x->in + x->off, want);
	enum http_errno e = HTTP_PARSER_ERRNO(&x->p);

	if (e != HPE_OK && e != HPE_PAUSED)
		return bad(x, http_errno_description(e));
	memcpy(out, x->in + x->off, n);
	x->off += n;
	x->len -= n;
	if (e == HPE_PAUSED) { /* the message ended: a head comes next */
		http_parser_pause(&x->p, 0);
		x->mode = HEAD;
	}
	return (ssize_t)n;
}

ssize_t fwd_http_run(struct fwd_http *x, char *out, size_t room)
{
	size_t o = 0;

	while (x->len && o < room) {
		ssize_t n;
		if (x->mode == TUNNEL) {
			n = (ssize_t)(x->len < room - o ? x->len : room - o);
			memcpy(out + o, x->in + x->off, (size_t)n);
			x->off += (size_t)n;
			x->len -= (size_t)n;
		} else {
			n = x->mode == HEAD ? run_head(x, out + o, room - o)
					    : run_body(x, out + o, room - o);
		}
		if (n < 0)
			return n;
		if (n == 0)
			break; /* more bytes or more room needed */
		o += (size_t)n;
	}
	if (x->len == 0) {
		free(x->in); /* an idle keep-alive connection holds nothing */
		x->in = NULL;
		x->off = 0;
	}
	return (ssize_t)o;
}

/* The answer to a head the parser refused. */
const char fwd_http_400[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
			    "Content-Length: 12\r\nConnection: close\r\n\r\nBad Request\n";
