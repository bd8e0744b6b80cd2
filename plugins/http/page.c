/* http: the status page at / (page_html.c draws it), and the same data
 * as /?format=json and /?format=csv.
 *
 * One model, three renderings. The model is built per request from what
 * the host already gives a plugin: its status (instances and their
 * state), each instance's control commands (ABI 2.1, nh_ctl_call():
 * icmp `targets`, forward `upstreams` and `stats`), and the metric series
 * of every instance (counters without a per-target label), plus this
 * instance's recent /probe results. Nothing is kept between requests.
 *
 * Bounded: the HTML asks `targets` for PAGE_MAX_ROWS an instance, the
 * down ones first, and says how many it left out; JSON and CSV have them
 * all (at most 10000 an instance, icmp's own cap).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"

/* Control commands the page knows how to show (no arguments). */
static const char *const page_commands[] = { "targets", "upstreams", "stats" };

/* Label value text (after the opening quote) unescaped into out; the
 * end of the value (its closing quote) or NULL. */
static const char *label_value(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			p++;
			c = *p == 'n' ? '\n' : *p;
		}
		if (n + 1 < len)
			out[n++] = c;
	}
	out[n] = 0;
	return *p == '"' ? p : NULL;
}

/* One sample line into the instances' "metrics" objects: key is the
 * name with the labels other than plugin and instance. */
static void add_sample(struct json_object *by_inst, const char *line, size_t len)
{
	char name[128], plugin[256] = "", inst[256] = "", other[256] = "", val[256];
	const char *brace = memchr(line, '{', len), *end = line + len;

	if (!brace || (size_t)(brace - line) >= sizeof(name))
		return;
	memcpy(name, line, (size_t)(brace - line));
	name[brace - line] = 0;
	const char *p = brace + 1;
	size_t on = 0;
	while (p < end && *p != '}') {
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (!eq || eq[1] != '"')
			return;
		char key[64];
		size_t kl = (size_t)(eq - p);
		if (kl >= sizeof(key))
			return;
		memcpy(key, p, kl);
		key[kl] = 0;
		const char *q = label_value(eq + 2, val, sizeof(val));
		if (!q)
			return;
		if (strcmp(key, "plugin") == 0)
			snprintf(plugin, sizeof(plugin), "%s", val);
		else if (strcmp(key, "instance") == 0)
			snprintf(inst, sizeof(inst), "%s", val);
		else
			on += (size_t)snprintf(other + on, on < sizeof(other) ? sizeof(other) - on : 0,
					       "%s%s=%s", on ? "," : "", key, val);
		p = q + 1;
		if (*p == ',')
			p++;
	}
	if (p >= end || !*plugin || !*inst || on >= sizeof(other))
		return;
	char id[520], key[400];
	snprintf(id, sizeof(id), "%s/%s", plugin, inst);
	snprintf(key, sizeof(key), "%s%s%s%s", name, on ? "{" : "", other, on ? "}" : "");
	struct json_object *m;
	if (!json_object_object_get_ex(by_inst, id, &m)) {
		m = json_object_new_object();
		json_object_object_add(by_inst, id, m);
	}
	double v = strtod(p + 1, NULL);
	/* Counters print as integers, gauges as they are. */
	json_object_object_add(m, key, v == floor(v) && fabs(v) < 9e15
					       ? json_object_new_int64((int64_t)v)
					       : json_object_new_double(v));
}

static struct json_object *metrics_by_instance(struct http *h)
{
	struct json_object *by = json_object_new_object();
	size_t len = 0;
	/* Not the per-target series: a sweep's thousands would be most of
	 * the text, and the page reads none of them. */
	char *text = nh_metrics_text_without(h->ctx, "target", &len);

	if (!text || !by)
		goto out;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (*line != '#')
			add_sample(by, line, n);
		line += n + (nl ? 1 : 0);
	}
out:
	free(text);
	return by;
}

/* limit: ask `targets` for at most that many, the down ones first (the
 * HTML draws no more); 0: all of them. */
static void add_ctl(struct http *h, struct json_object *inst, const char *id,
		    struct json_object *cmds, int limit)
{
	struct json_object *ctl = json_object_new_object();

	for (size_t i = 0; i < json_object_array_length(cmds); i++) {
		const char *cmd = json_object_get_string(json_object_array_get_idx(cmds, i));
		int known = 0;
		for (size_t k = 0; k < sizeof(page_commands) / sizeof(*page_commands); k++)
			known |= strcmp(cmd, page_commands[k]) == 0;
		if (!known)
			continue;
		struct json_object *out = NULL, *reply;
		char lim[16];
		snprintf(lim, sizeof(lim), "%d", limit);
		char *argv[] = { (char *)cmd, lim, NULL };
		int argc = limit && strcmp(cmd, "targets") == 0 ? 2 : 1;
		if (nh_ctl_call(h->ctx, id, argc, argv, &out) == 0 &&
		    json_object_object_get_ex(out, "reply", &reply))
			json_object_object_add(ctl, cmd, json_object_get(reply));
		json_object_put(out);
	}
	json_object_object_add(inst, "ctl", ctl);
}

struct json_object *page_model(struct http *h, int limit)
{
	struct json_object *st = nh_host_status(h->ctx), *insts, *metrics;

	if (!st)
		return NULL;
	metrics = metrics_by_instance(h);
	if (json_object_object_get_ex(st, "instances", &insts)) {
		for (size_t i = 0; i < json_object_array_length(insts); i++) {
			struct json_object *in = json_object_array_get_idx(insts, i), *p, *n, *cmds, *m;
			char id[140];
			if (!json_object_object_get_ex(in, "plugin", &p) ||
			    !json_object_object_get_ex(in, "name", &n))
				continue;
			snprintf(id, sizeof(id), "%s/%s", json_object_get_string(p),
				 json_object_get_string(n));
			if (json_object_object_get_ex(in, "ctl", &cmds) &&
			    json_object_is_type(cmds, json_type_array))
				add_ctl(h, in, id, cmds, limit);
			if (metrics && json_object_object_get_ex(metrics, id, &m))
				json_object_object_add(in, "metrics", json_object_get(m));
		}
	}
	json_object_put(metrics);
	json_object_object_add(st, "probes", probe_log_json(h));
	return st;
}

/* ---- CSV: one row per target, upstream or counter ----------------------- */

static void csv_field(FILE *f, const char *s, int last)
{
	s = s ? s : "";
	/* Quoted when it must be, and when a spreadsheet would read it as a
	 * formula. */
	int formula = *s && strchr("=+-@", *s);
	if (strpbrk(s, ",\"\r\n") || formula) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

static void csv_row(FILE *f, const char *inst, const char *kind, const char *name,
		    const char *state, const char *rtt, const char *loss, const char *since,
		    const char *ok, const char *failed, const char *error)
{
	csv_field(f, inst, 0);
	csv_field(f, kind, 0);
	csv_field(f, name, 0);
	csv_field(f, state, 0);
	csv_field(f, rtt, 0);
	csv_field(f, loss, 0);
	csv_field(f, since, 0);
	csv_field(f, ok, 0);
	csv_field(f, failed, 0);
	csv_field(f, error, 1);
}

char *page_csv(struct json_object *model, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct json_object *insts, *ctl, *list, *m;

	if (!f)
		return NULL;
	csv_row(f, "instance", "kind", "name", "state", "last_rtt_ms", "loss", "since", "ok",
		"failed", "error");
	if (json_object_object_get_ex(model, "instances", &insts))
		for (size_t i = 0; i < json_object_array_length(insts); i++) {
			struct json_object *in = json_object_array_get_idx(insts, i);
			char id[140];
			snprintf(id, sizeof(id), "%s/%s", str_of(in, "plugin"), str_of(in, "name"));
			csv_row(f, id, "instance", id, str_of(in, "state"), "", "", "", "", "", "");
			if (json_object_object_get_ex(in, "ctl", &ctl)) {
				struct json_object *t;
				if (json_object_object_get_ex(ctl, "targets", &t) &&
				    json_object_object_get_ex(t, "targets", &list))
					for (size_t k = 0; k < json_object_array_length(list); k++) {
						struct json_object *e = json_object_array_get_idx(list, k);
						csv_row(f, id, "target", str_of(e, "target"),
							str_of(e, "state"), str_of(e, "last_rtt_ms"),
							str_of(e, "loss"), str_of(e, "since"),
							str_of(e, "sent"), "", str_of(e, "error"));
					}
				if (json_object_object_get_ex(ctl, "upstreams", &t) &&
				    json_object_object_get_ex(t, "upstreams", &list))
					for (size_t k = 0; k < json_object_array_length(list); k++) {
						struct json_object *e = json_object_array_get_idx(list, k);
						csv_row(f, id, "upstream", str_of(e, "upstream"),
							str_of(e, "state"), "", "",
							str_of(e, "since_seconds_ago"),
							str_of(e, "connects_ok"),
							str_of(e, "connects_failed"), str_of(e, "error"));
					}
			}
			if (json_object_object_get_ex(in, "metrics", &m)) {
				json_object_object_foreach(m, key, val)
					csv_row(f, id, "counter", key, "", "", "", "",
						json_object_get_string(val), "", "");
			}
		}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the route ----------------------------------------------------------- */

enum MHD_Result http_page(struct http_req *r)
{
	struct http *h = r->h;
	const char *format = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "format");
	struct json_object *model;

	if (format && strcmp(format, "html") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0)
		return http_text(h, r->conn, MHD_HTTP_BAD_REQUEST, "format: html, json or csv\n");
	int html = !format || strcmp(format, "html") == 0;
	if (!(model = page_model(h, html ? PAGE_MAX_ROWS : 0)))
		return http_text(h, r->conn, errno == ENOENT ? MHD_HTTP_SERVICE_UNAVAILABLE : 500,
				 "no host status\n");
	char *body = NULL;
	size_t len = 0;
	const char *type;
	if (format && strcmp(format, "json") == 0) {
		const char *text = json_object_to_json_string_ext(model, JSON_C_TO_STRING_PLAIN |
									 JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text && (body = malloc(strlen(text) + 2)))
			len = (size_t)sprintf(body, "%s\n", text);
		type = "application/json";
	} else if (format && strcmp(format, "csv") == 0) {
		body = page_csv(model, &len);
		type = "text/csv; charset=utf-8";
	} else {
		body = page_html(model, &len);
		type = "text/html; charset=utf-8";
	}
	json_object_put(model);
	return http_reply(h, r->conn, 200, type, body, len);
}
