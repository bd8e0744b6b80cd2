/* HTTP probes on the loop: libcurl's multi interface, told about sockets
 * and timeouts through its callbacks and driven by curl_multi_socket_action
 * from nh_io watchers and one nh_timer. No thread of ours, no busy loop.
 *
 * A probe is good on a 2xx answer whose body was read in full (curl then
 * reports CURLE_OK: a short body is CURLE_PARTIAL_FILE). The body is
 * counted and dropped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "icmp.h"

struct http_probes {
	nh_loop *loop;
	CURLM *multi;
	nh_timer *timer;
	struct http_probe *head;
};

struct http_probe {
	struct http_probes *hp;
	struct http_probe *prev, *next;
	CURL *easy;
	http_probe_cb cb;
	void *arg;
	uint64_t body;
	char *text;             /* the body's first bytes, when kept */
	struct curl_slist *pin; /* CURLOPT_RESOLVE */
	size_t text_len, text_max;
	char errbuf[CURL_ERROR_SIZE];
};

int http_target(const char *text)
{
	return strncasecmp(text, "http://", 7) == 0 || strncasecmp(text, "https://", 8) == 0;
}

static void finish(struct http_probe *p, CURLcode rc);

/* Hand every finished transfer to its owner. */
static void check_done(struct http_probes *hp)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(hp->multi, &left))) {
		struct http_probe *p;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
		finish(p, msg->data.result);
	}
}

static void action(struct http_probes *hp, curl_socket_t fd, int what)
{
	int still;

	curl_multi_socket_action(hp->multi, fd, what, &still);
	check_done(hp);
}

static void on_io(nh_loop *loop, int fd, int events, void *arg)
{
	struct http_probes *hp = arg;
	int what = 0;

	(void)loop;
	if (events & (NH_READ | NH_HANGUP))
		what |= CURL_CSELECT_IN;
	if (events & NH_WRITE)
		what |= CURL_CSELECT_OUT;
	if (events & NH_ERROR)
		what |= CURL_CSELECT_ERR;
	action(hp, fd, what);
}

static int64_t on_timer(nh_loop *loop, void *arg)
{
	struct http_probes *hp = arg;

	(void)loop;
	hp->timer = NULL;
	action(hp, CURL_SOCKET_TIMEOUT, 0);
	return NH_TIMER_STOP;
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl wants now. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http_probes *hp = userp;
	nh_io *io = socketp;
	int mask = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? NH_READ : 0) |
		   (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? NH_WRITE : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		nh_io_del(io);
		curl_multi_assign(hp->multi, fd, NULL);
		return 0;
	}
	if (io)
		return nh_io_set(io, mask) < 0 ? -1 : 0;
	if (!(io = nh_io_add(hp->loop, fd, mask, on_io, hp)))
		return -1;
	curl_multi_assign(hp->multi, fd, io);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle. curl
 * must not be called back from here, so even 0 goes through the loop. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_probes *hp = userp;

	(void)multi;
	if (timeout_ms < 0) {
		nh_timer_del(hp->timer);
		hp->timer = NULL;
		return 0;
	}
	if (hp->timer) {
		nh_timer_reset(hp->timer, timeout_ms);
		return 0;
	}
	hp->timer = nh_timer_add(hp->loop, timeout_ms, on_timer, hp);
	return hp->timer ? 0 : -1;
}

int http_probe_keep_body(struct http_probe *p, size_t max)
{
	if (!(p->text = calloc(1, max + 1)))
		return -ENOMEM;
	p->text_max = max;
	return 0;
}

static size_t keep_or_discard(char *data, size_t size, size_t n, void *arg)
{
	struct http_probe *p = arg;

	if (p->text && p->text_len < p->text_max) {
		size_t keep = size * n < p->text_max - p->text_len ? size * n : p->text_max - p->text_len;
		memcpy(p->text + p->text_len, data, keep);
		p->text_len += keep;
		p->text[p->text_len] = '\0';
	}
	p->body += size * n;
	return size * n;
}

struct http_probes *http_probes_new(nh_loop *loop)
{
	struct http_probes *hp;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errno = ENOMEM;
		return NULL;
	}
	if (!(hp = calloc(1, sizeof(*hp))) || !(hp->multi = curl_multi_init())) {
		free(hp);
		curl_global_cleanup();
		errno = ENOMEM;
		return NULL;
	}
	hp->loop = loop;
	curl_multi_setopt(hp->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(hp->multi, CURLMOPT_SOCKETDATA, hp);
	curl_multi_setopt(hp->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(hp->multi, CURLMOPT_TIMERDATA, hp);
	return hp;
}

static void probe_free(struct http_probe *p)
{
	struct http_probes *hp = p->hp;

	curl_multi_remove_handle(hp->multi, p->easy);
	curl_easy_cleanup(p->easy);
	if (p->prev)
		p->prev->next = p->next;
	else
		hp->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	curl_slist_free_all(p->pin);
	free(p->text);
	free(p);
}

static double mark(CURL *e, CURLINFO what)
{
	curl_off_t us = 0;

	return curl_easy_getinfo(e, what, &us) == CURLE_OK ? (double)us / 1e6 : 0;
}

/* Timings, redirects, version, address: what blackbox-style answers show. */
static void describe(CURL *e, struct http_probe_result *r)
{
	long version = 0;
	curl_off_t clen = -1;
	char *ip = NULL, *scheme = NULL;

	r->resolved = mark(e, CURLINFO_NAMELOOKUP_TIME_T);
	r->connected = mark(e, CURLINFO_CONNECT_TIME_T);
	r->tls_done = mark(e, CURLINFO_APPCONNECT_TIME_T);
	r->first_byte = mark(e, CURLINFO_STARTTRANSFER_TIME_T);
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &r->redirects);
	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
	r->http_version = version == CURL_HTTP_VERSION_1_0 ? 10 : version == CURL_HTTP_VERSION_1_1 ? 11 :
			  version == CURL_HTTP_VERSION_2_0 ? 20 : version == CURL_HTTP_VERSION_3 ? 30 : 0;
	if (curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen) != CURLE_OK)
		clen = -1;
	r->content_length = clen;
	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
		snprintf(r->ip, sizeof(r->ip), "%s", ip);
	if (curl_easy_getinfo(e, CURLINFO_SCHEME, &scheme) == CURLE_OK && scheme)
		r->tls = strcasecmp(scheme, "https") == 0;
}

static void finish(struct http_probe *p, CURLcode rc)
{
	struct http_probe_result r = { .code = 0 };
	long code = 0;
	http_probe_cb cb = p->cb;
	void *arg = p->arg;

	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
	r.code = code;
	r.body = p->body;
	curl_easy_getinfo(p->easy, CURLINFO_TOTAL_TIME, &r.seconds);
	describe(p->easy, &r);
	if (rc != CURLE_OK) {
		r.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		snprintf(r.error, sizeof(r.error), "%s", p->errbuf[0] ? p->errbuf :
			 curl_easy_strerror(rc));
	} else if (code < 200 || code > 299) {
		r.complete = 1;
		snprintf(r.error, sizeof(r.error), "HTTP status %ld", code);
	} else {
		r.complete = r.ok = 1;
	}
	/* Unlinked first: the callback may start another probe or free hp. */
	char *text = p->text;
	p->text = NULL;
	r.text = text;
	probe_free(p);
	cb(&r, arg);
	free(text);
}

/* The options of opts that need a setopt; 0 or -1 (out of memory). */
static int apply_opts(struct http_probe *p, const struct http_probe_opts *o)
{
	CURL *e = p->easy;

	if (o->max_redirects > 0) {
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(e, CURLOPT_MAXREDIRS, o->max_redirects);
		/* Only to http and https, as the first URL. */
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	if (o->pin_host && o->pin_addr) {
		char entry[600];
		int v6 = strchr(o->pin_addr, ':') != NULL;
		snprintf(entry, sizeof(entry), "%s:%d:%s%s%s", o->pin_host, o->pin_port, v6 ? "[" : "",
			 o->pin_addr, v6 ? "]" : "");
		if (!(p->pin = curl_slist_append(NULL, entry)))
			return -1;
		curl_easy_setopt(e, CURLOPT_RESOLVE, p->pin);
	}
	return 0;
}

struct http_probe *http_probe_start(struct http_probes *hp, const char *url, int64_t timeout_ms,
				    http_probe_cb cb, void *arg)
{
	return http_probe_start_opts(hp, url, timeout_ms, NULL, cb, arg);
}

struct http_probe *http_probe_start_opts(struct http_probes *hp, const char *url,
					 int64_t timeout_ms, const struct http_probe_opts *opts,
					 http_probe_cb cb, void *arg)
{
	struct http_probe *p = calloc(1, sizeof(*p));

	if (!p || !(p->easy = curl_easy_init())) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->hp = hp;
	p->cb = cb;
	p->arg = arg;
	CURL *e = p->easy;
	int bad = curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "nethost/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_or_discard);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	/* A probe is one fresh connection: what a client arriving now gets. */
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	if (opts && apply_opts(p, opts) < 0)
		bad = 1;
	if (bad || curl_multi_add_handle(hp->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(p->pin);
		free(p);
		errno = EINVAL;
		return NULL;
	}
	p->next = hp->head;
	if (hp->head)
		hp->head->prev = p;
	hp->head = p;
	return p;
}

void http_probe_cancel(struct http_probe *p)
{
	if (p)
		probe_free(p);
}

void http_probes_free(struct http_probes *hp)
{
	if (!hp)
		return;
	while (hp->head)
		probe_free(hp->head);
	curl_multi_cleanup(hp->multi);
	nh_timer_del(hp->timer);
	free(hp);
	curl_global_cleanup();
}

int http_url_check(const char *url, nh_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int r = 0;

	if (!u)
		return nh_error_set(err, ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		r = nh_error_set(err, EINVAL, "'%s' is not an http:// or https:// URL with a host",
				 url);
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		r = nh_error_set(err, EINVAL, "'%s': scheme %s is not http or https", url, scheme);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

int http_url_host(const char *url, char *host, size_t hostlen, int *port, nh_error *err)
{
	CURLU *u = curl_url();
	char *h = NULL, *pt = NULL;
	int r = 0;

	if (!u)
		return nh_error_set(err, ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !*h ||
	    curl_url_get(u, CURLUPART_PORT, &pt, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		r = nh_error_set(err, EINVAL, "'%s' is not an http:// or https:// URL with a host", url);
	} else {
		size_t n = strlen(h);
		const char *start = h;
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			start++;
			n -= 2;
		}
		if (n >= hostlen)
			r = nh_error_set(err, EINVAL, "'%s': host name too long", url);
		else {
			memcpy(host, start, n);
			host[n] = 0;
			*port = atoi(pt);
		}
	}
	curl_free(h);
	curl_free(pt);
	curl_url_cleanup(u);
	return r;
}
