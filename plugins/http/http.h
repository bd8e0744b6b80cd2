/* http plugin, private: the instance and what its files share.
 * http.c          the plugin: keys, start/stop, report
 * http_server.c   accepting clients and driving libmicrohttpd
 * http_routes.c   the answers: /metrics, /status, 400, 404, 405, and the
 *                 requests answered later (suspended, then resumed)
 * http_lifecycle.c /-/healthy, /-/ready, POST /-/reload
 * probe*.c       /probe (probe.h)
 * page*.c        the status page at / (page.h)
 */
#ifndef NETHOST_HTTP_H
#define NETHOST_HTTP_H

#include <stdint.h>

#include <microhttpd.h>

#include <nethost/nethost.h>

/* Answers we count, by status code (http_routes.c). */
extern const unsigned int http_codes[];
#define HTTP_NCODES 7

struct http_req;

#define HTTP_PROBE_LOG 32

#define HTTP_TEXT "text/plain; charset=utf-8"

struct http {
	nh_ctx *ctx;
	nh_addr listen;
	long max_connections;
	int64_t idle_timeout_ms;
	int allow_reload;
	nh_counter *requests[HTTP_NCODES];
	nh_counter *accept_pauses; /* for lack of fds */

	/* http_server.c */
	struct MHD_Daemon *daemon;
	nh_io *mhd_io;		/* MHD's epoll fd */
	nh_timer *mhd_timer;	/* MHD_get_timeout() */
	int lfd;		/* our listener; MHD never accepts */
	nh_io *lio;
	nh_timer *resume;	/* ends a pause after EMFILE */
	int paused;		/* HTTP_PAUSE_* */
	int starved;		/* out of fds since the last accept */
	int64_t emfile_log_ms;	/* last "pausing accepts" line */
	int64_t mhd_log_ms;	/* start of the current MHD log second */
	unsigned int mhd_logged, mhd_dropped;

	/* http_routes.c: requests waiting for their answer */
	struct http_req *suspended;
	/* probe*.c: made on the first /probe that needs them */
	struct http_probes *web;
	uint8_t *probe_buf;     /* HTTP_PROBE_BUF bytes (probe.h): ICMP receive */
	/* The last HTTP_PROBE_LOG /probe results, for the page (a ring). */
	struct http_probe_log {
		int64_t at;          /* unix seconds */
		char module[16];
		char target[128];
		int success;
		double seconds;
		char error[160];
	} probe_log[HTTP_PROBE_LOG];
	unsigned int probe_log_next, probe_log_count;
};

/* One request: what the access handler keeps between its calls. An
 * answer that comes later (a probe, a reload) suspends the connection
 * (http_req_wait) and resumes it with http_req_finish(). */
struct http_req {
	struct http *h;
	struct MHD_Connection *conn;
	struct http_req *prev, *next; /* in h->suspended while suspended */
	int suspended;
	int answered;           /* the answer below is ready */
	unsigned int code;
	const char *type;
	char *body;             /* malloc'd; NULL with answered: out of memory */
	size_t len;
	/* The work in flight: cancel() stops it without an answer. */
	void (*cancel)(struct http_req *r);
	void *job;
};

/* http_server.c */
/* Listen, start libmicrohttpd and watch both; 0 or -errno (logged). */
int http_server_start(struct http *h);
/* Close every client and the listener; safe on a half-started server. */
void http_server_stop(struct http *h);

/* http_routes.c: MHD's access handler; cls is the struct http. */
enum MHD_Result http_answer(void *cls, struct MHD_Connection *conn, const char *url,
			    const char *method, const char *version, const char *upload_data,
			    size_t *upload_data_size, void **con_cls);
/* MHD's MHD_OPTION_NOTIFY_COMPLETED: frees the request's state. */
void http_request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		       enum MHD_RequestTerminationCode why);
/* Queue a response that owns body (malloc'd); NULL body: out of memory,
 * answered 500. */
enum MHD_Result http_reply(struct http *h, struct MHD_Connection *conn, unsigned int code,
			   const char *type, char *body, size_t len);
enum MHD_Result http_text(struct http *h, struct MHD_Connection *conn, unsigned int code,
			  const char *text);
/* Answer later. Record the work first (cancel, with job, ends it if the
 * request goes first: client gone, instance stopping), start it, then
 * return http_req_wait(): it sends the answer at once when the work has
 * already called http_req_finish(), else the connection sleeps until it
 * does. */
void http_req_begin(struct http_req *r, void (*cancel)(struct http_req *r), void *job);
enum MHD_Result http_req_wait(struct http_req *r);
/* The answer (body malloc'd, owned from here; NULL: out of memory):
 * wakes the connection, which sends it. */
void http_req_finish(struct http_req *r, unsigned int code, const char *type, char *body,
		     size_t len);
void http_req_finish_text(struct http_req *r, unsigned int code, const char *text);
/* Answer every suspended request 503 and cancel its work (stop). */
void http_req_abort_all(struct http *h);
/* Let MHD run soon (after a resume). */
void http_server_kick(struct http *h);

/* http_lifecycle.c: /-/healthy, /-/ready, POST /-/reload. */
enum MHD_Result http_healthy(struct http_req *r);
enum MHD_Result http_ready(struct http_req *r);
enum MHD_Result http_reload(struct http_req *r);

/* probe.c: GET /probe?target=T&module=M */
enum MHD_Result http_probe(struct http_req *r);
/* page.c: GET / (?format=html|json|csv) */
enum MHD_Result http_page(struct http_req *r);

#endif
