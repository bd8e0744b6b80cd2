/* libFuzzer target: the forwarder's http_host request rewriter
 * (plugins/forward/forward_http.c) on any byte stream, fed in pieces
 * of sizes the input chooses and drained into buffers of varying room.
 * What comes out must parse again, every request with exactly one Host
 * header, ours. */
#include <http_parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "forward_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "www.example.test"

struct check {
	int in_host, hosts, bad;
	int trailers; /* past the head: fields now are chunked trailers */
	char field[8];
	size_t flen;
};

static int on_begin(http_parser *p)
{
	struct check *c = p->data;
	c->hosts = 0;
	c->trailers = 0;
	return 0;
}

static int on_field(http_parser *p, const char *at, size_t len)
{
	struct check *c = p->data;
	c->in_host = !c->trailers && len == 4 && strncasecmp(at, "host", 4) == 0;
	c->hosts += c->in_host;
	return 0;
}

static int on_value(http_parser *p, const char *at, size_t len)
{
	struct check *c = p->data;
	if (c->in_host && (len != strlen(NAME) || memcmp(at, NAME, len)))
		c->bad = 1;
	return 0;
}

static int on_headers(http_parser *p)
{
	struct check *c = p->data;
	if (c->hosts != 1)
		c->bad = 1;
	c->trailers = 1;
	return 0;
}

static const http_parser_settings check_settings = {
	.on_message_begin = on_begin,
	.on_header_field = on_field,
	.on_header_value = on_value,
	.on_headers_complete = on_headers,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[1 << 20];
	size_t o = 0, i = 0;
	unsigned seed = size ? data[0] : 0;
	struct fwd_http *x = fwd_http_new(NAME);

	if (!x)
		return 0;
	while (i < size || fwd_http_held(x)) {
		size_t room, piece = 1 + (seed = seed * 1103515245 + 12345) % 700;
		char *in = fwd_http_space(x, &room);
		if (!in)
			break;
		if (piece > size - i)
			piece = size - i;
		if (piece > room)
			piece = room;
		memcpy(in, data + i, piece);
		fwd_http_added(x, piece);
		i += piece;
		size_t space = sizeof(out) - o, give = 1 + (seed >> 8) % 70000;
		ssize_t n = fwd_http_run(x, out + o, give < space ? give : space);
		if (n < 0)
			break;
		if ((size_t)n > (give < space ? give : space))
			abort(); /* wrote past the room it was given */
		o += (size_t)n;
		if (n == 0 && piece == 0)
			break; /* waits for bytes that will not come */
	}
	fwd_http_free(x);

	struct check c = { 0 };
	http_parser p;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = &c;
	http_parser_execute(&p, &check_settings, out, o);
	enum http_errno e = HTTP_PARSER_ERRNO(&p);
	if (c.bad || (e != HPE_OK && e != HPE_PAUSED && !p.upgrade))
		abort(); /* what we send upstream must be well-formed, with our Host */
	return 0;
}
