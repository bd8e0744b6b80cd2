/* http plugin, private: the instance and what its files share.
 * http.c          the plugin: keys, start/stop, report
 * http_server.c   accepting clients and driving libmicrohttpd
 * http_routes.c   the answers: /metrics, /status, 400, 404, 405
 */
#ifndef NETHOST_HTTP_H
#define NETHOST_HTTP_H

#include <stdint.h>

#include <microhttpd.h>

#include <nethost/nethost.h>

/* Answers we count, by status code (http_routes.c). */
extern const unsigned int http_codes[];
#define HTTP_NCODES 6

struct http {
	nh_ctx *ctx;
	nh_addr listen;
	long max_connections;
	int64_t idle_timeout_ms;
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

#endif
