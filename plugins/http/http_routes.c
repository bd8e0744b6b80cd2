/* http: the answers. /metrics, /status and /-/healthy, /-/ready for GET
 * and HEAD, POST /-/reload; 404 for other paths, 405 for other methods,
 * 400 for a request whose framing is ambiguous or whose Host is missing
 * or repeated (RFC 9112), or a GET/HEAD that carries a body.
 * libmicrohttpd parses the request; we only look at the headers it
 * collected, never at raw bytes.
 *
 * An answer that takes time (a reload's outcome) never blocks the loop:
 * the connection is suspended (MHD_suspend_connection), the work runs on
 * the loop, and its end resumes the connection, whose next call of the
 * handler sends the answer kept in the request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

const unsigned int http_codes[HTTP_NCODES] = { 200, 400, 403, 404, 405, 500, 503 };

static void http_count(struct http *h, unsigned int code)
{
	for (size_t i = 0; i < HTTP_NCODES; i++)
		if (http_codes[i] == code && h->requests[i])
			nh_counter_inc(h->requests[i]);
}

static enum MHD_Result reply_allow(struct http *h, struct MHD_Connection *conn, unsigned int code,
				   const char *type, char *body, size_t len, const char *allow)
{
	static char oom[] = "out of memory\n";
	struct MHD_Response *r;

	if (body) {
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	} else {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		type = HTTP_TEXT;
		allow = NULL;
		r = MHD_create_response_from_buffer(strlen(oom), oom, MHD_RESPMEM_PERSISTENT);
	}
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	/* After a framing error we cannot tell where the next request
	 * starts: MHD would read the rest as one (request smuggling). */
	if (code == MHD_HTTP_BAD_REQUEST)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	http_count(h, code);
	return ret;
}

enum MHD_Result http_reply(struct http *h, struct MHD_Connection *conn, unsigned int code,
			   const char *type, char *body, size_t len)
{
	return reply_allow(h, conn, code, type, body, len, NULL);
}

enum MHD_Result http_text(struct http *h, struct MHD_Connection *conn, unsigned int code,
			  const char *text)
{
	char *body = strdup(text);

	return http_reply(h, conn, code, HTTP_TEXT, body, body ? strlen(body) : 0);
}

void http_req_begin(struct http_req *r, void (*cancel)(struct http_req *r), void *job)
{
	r->cancel = cancel;
	r->job = job;
}

/* The answer kept in the request, queued now. */
static enum MHD_Result send_answer(struct http_req *r)
{
	char *body = r->body;

	r->body = NULL;
	return http_reply(r->h, r->conn, r->code, r->type, body, r->len);
}

enum MHD_Result http_req_wait(struct http_req *r)
{
	struct http *h = r->h;

	/* The work may have ended already (a bad target): MHD has the
	 * connection still, so answer at once. */
	if (r->answered)
		return send_answer(r);
	r->suspended = 1;
	r->prev = NULL;
	r->next = h->suspended;
	if (h->suspended)
		h->suspended->prev = r;
	h->suspended = r;
	MHD_suspend_connection(r->conn);
	return MHD_YES;
}

static void req_unlink(struct http_req *r)
{
	if (!r->suspended)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		r->h->suspended = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	r->suspended = 0;
}

void http_req_finish(struct http_req *r, unsigned int code, const char *type, char *body,
		     size_t len)
{
	r->cancel = NULL;
	r->job = NULL;
	r->answered = 1;
	r->code = code;
	r->type = type;
	r->body = body;
	r->len = len;
	if (r->suspended) {
		req_unlink(r);
		MHD_resume_connection(r->conn);
		http_server_kick(r->h);
	}
}

void http_req_finish_text(struct http_req *r, unsigned int code, const char *text)
{
	char *body = strdup(text);

	http_req_finish(r, code, HTTP_TEXT, body, body ? strlen(body) : 0);
}

static void req_cancel(struct http_req *r)
{
	void (*cancel)(struct http_req *) = r->cancel;

	r->cancel = NULL;
	if (cancel)
		cancel(r);
	r->job = NULL;
}

void http_req_abort_all(struct http *h)
{
	while (h->suspended) {
		struct http_req *r = h->suspended;
		req_cancel(r);
		http_req_finish_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is stopping\n");
	}
}

void http_request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		       enum MHD_RequestTerminationCode why)
{
	struct http_req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)why;
	if (!r)
		return;
	req_cancel(r);
	req_unlink(r);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static enum MHD_Result http_status(struct http *h, struct MHD_Connection *conn)
{
	struct json_object *o = nh_host_status(h->ctx);

	if (!o)
		return http_text(h, conn, errno == ENOENT ? MHD_HTTP_SERVICE_UNAVAILABLE : 500,
				 "no host status\n");
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	char *body = text ? malloc(strlen(text) + 2) : NULL;
	size_t len = 0;
	if (body)
		len = (size_t)sprintf(body, "%s\n", text);
	json_object_put(o);
	return http_reply(h, conn, 200, "application/json", body, len);
}

/* Every path takes GET and HEAD, but /-/reload: POST only. */
static int method_allowed(const char *url, const char *method)
{
	if (strcmp(url, "/-/reload") == 0)
		return strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

static enum MHD_Result route(struct http_req *r, const char *url)
{
	struct http *h = r->h;

	if (strcmp(url, "/metrics") == 0) {
		size_t len = 0;
		char *text = nh_metrics_text(h->ctx, &len);
		return http_reply(h, r->conn, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	}
	if (strcmp(url, "/status") == 0)
		return http_status(h, r->conn);
	if (strcmp(url, "/-/healthy") == 0)
		return http_healthy(r);
	if (strcmp(url, "/-/ready") == 0)
		return http_ready(r);
	if (strcmp(url, "/-/reload") == 0)
		return http_reload(r);
	if (strcmp(url, "/probe") == 0)
		return http_probe(r);
	if (strcmp(url, "/") == 0)
		return http_page(r);
	return http_text(h, r->conn, MHD_HTTP_NOT_FOUND, "not found (try /metrics or /status)\n");
}

struct http_framing {
	int hosts;
	int content_lengths;
	const char *content_length; /* the first one */
	int transfer_encoding;
	int spaced_name;
};

static enum MHD_Result http_framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
					   const char *value)
{
	struct http_framing *f = cls;

	(void)kind;
	/* MHD keeps "Content-Length : 5" as the key "Content-Length ",
	 * which would hide a body from us and not from a proxy. */
	if (strpbrk(key, " \t"))
		f->spaced_name = 1;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		f->hosts++;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0 && !f->content_lengths++)
		f->content_length = value;
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		f->transfer_encoding = 1;
	return MHD_YES;
}

/* Why the request must get 400 (RFC 9112 3.2, 5.1, 6.3), or NULL. MHD
 * reads a body by the first Content-Length and lets the rest pass; our
 * answer must not depend on which of two framings a proxy in front
 * believed. MHD answers a bad Content-Length value or an obs-fold line
 * with 400 itself, before we are called. */
static const char *http_bad_request(struct MHD_Connection *conn, const char *method,
				    const char *version)
{
	struct http_framing f = { 0 };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, http_framing_header, &f);
	if (f.spaced_name)
		return "whitespace in a header name\n";
	if (f.hosts > 1 || (f.hosts == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0))
		return "an HTTP/1.1 request needs exactly one Host header\n";
	if (f.content_lengths > 1)
		return "more than one Content-Length\n";
	if (f.content_lengths && f.transfer_encoding)
		return "both Content-Length and Transfer-Encoding\n";
	int has_body = f.transfer_encoding || (f.content_length && strcmp(f.content_length, "0") != 0);
	if (has_body && (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
			 strcmp(method, MHD_HTTP_METHOD_HEAD) == 0))
		return "a GET or HEAD request has no body\n";
	return NULL;
}

enum MHD_Result http_answer(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;
	struct http_req *r = *con_cls;

	(void)upload_data;
	/* The first call comes with the headers: everything we refuse is
	 * refused here, before a request body is read (MHD then closes the
	 * connection, as the body was never consumed). */
	if (!r) {
		const char *why = http_bad_request(conn, method, version);
		if (why)
			return http_text(h, conn, MHD_HTTP_BAD_REQUEST, why);
		if (!method_allowed(url, method)) {
			char *body = strdup("method not allowed\n");
			return reply_allow(h, conn, MHD_HTTP_METHOD_NOT_ALLOWED, HTTP_TEXT, body,
					   body ? strlen(body) : 0,
					   strcmp(url, "/-/reload") == 0 ? "POST" : "GET, HEAD");
		}
		/* Answering only once the request is complete lets MHD keep
		 * the connection for the next scrape. */
		if (!(r = calloc(1, sizeof(*r))))
			return http_reply(h, conn, 500, HTTP_TEXT, NULL, 0);
		r->h = h;
		r->conn = conn;
		*con_cls = r;
		return MHD_YES;
	}
	/* A POST body (only /-/reload takes POST) is read and ignored. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->answered)
		return send_answer(r);
	if (r->suspended)
		return MHD_YES; /* MHD does not call a suspended request; be safe */
	return route(r, url);
}
