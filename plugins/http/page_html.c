/* http: the status page as one self-contained HTML document: inline CSS,
 * no script (it reloads itself with a meta refresh every
 * PAGE_REFRESH_S), an inline SVG sparkline per target. In the spirit of
 * HAProxy's stats page: a table per instance, a row per upstream or
 * target coloured by its state. Every string from the model goes
 * through esc(): names, targets and errors come from config files and
 * from the network. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"

#define PAGE_REFRESH_S 5
#define SPARK_W 120
#define SPARK_H 18

static const char page_css[] =
	"body{font:13px/1.35 system-ui,sans-serif;margin:1em 2em;color:#222}"
	"h1{font-size:18px;margin:0 0 .2em}h2{font-size:15px;margin:1.2em 0 .3em}"
	".meta{color:#555}table{border-collapse:collapse;margin:.2em 0 .6em}"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
	"th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.up td.state,span.up,span.running{background:#c8f0c8}"
	"tr.down td.state,span.down,span.failed{background:#f5b5b5}"
	"tr.down{background:#fde8e8}tr.unknown td.state,span.unknown{background:#e4e4e4}"
	"span.state{padding:0 4px;border-radius:3px}details summary{cursor:pointer}"
	"svg.spark{vertical-align:middle}svg.spark polyline{fill:none;stroke:#2a6fdb;stroke-width:1.2}"
	"svg.spark rect{fill:#d33}.more{color:#555;font-style:italic}";

/* Text for HTML content and attribute values. */
static void esc(FILE *f, const char *s)
{
	while (s && *s) {
		size_t run = strcspn(s, "&<>\"'"); /* written as it is, in one go */
		fwrite(s, 1, run, f);
		s += run;
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: return; /* the end */
		}
		s++;
	}
}

/* v with `digits` decimals (0-6), as "%.*f" prints it but without the
 * cost of printf's exact decimal conversion: a page shows thousands of
 * them (RTTs, sparkline points). A last digit that is an exact tie may
 * round the other way, and what rounds to zero has no minus sign (2
 * million random values: no other difference); out of range or not
 * finite: printf. */
static void put_fixed(FILE *f, double v, int digits)
{
	static const double scale[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	char buf[32], *p = buf + sizeof(buf);

	if (digits < 0 || digits > 6 || !isfinite(v) || fabs(v) * scale[digits] > 1e15) {
		fprintf(f, "%.*f", digits, v);
		return;
	}
	long long n = llround(fabs(v) * scale[digits]);
	int neg = v < 0 && n != 0;
	*--p = 0;
	for (int i = 0; i < digits; i++, n /= 10)
		*--p = (char)('0' + n % 10);
	if (digits)
		*--p = '.';
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	if (neg)
		*--p = '-';
	fputs(p, f);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v ? json_object_get_string(v) : "";
}

/* A state word that is also a CSS class: anything else is "unknown". */
static const char *state_class(const char *s)
{
	static const char *const known[] = { "up", "down", "running", "failed" };

	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return "unknown";
}

/* A number cell (value times scale, digits decimals, then suffix), "-"
 * for null. */
static void cell_num(FILE *f, struct json_object *v, int digits, double scale, const char *suffix)
{
	if (!v || json_object_is_type(v, json_type_null)) {
		fputs("<td class=\"n\">-</td>", f);
	} else {
		fputs("<td class=\"n\">", f);
		put_fixed(f, json_object_get_double(v) * scale, digits);
		fprintf(f, "%s</td>", suffix);
	}
}

/* The recent RTTs as a line; a lost probe is a red tick at the bottom. */
static void sparkline(FILE *f, struct json_object *recent)
{
	size_t n = recent ? json_object_array_length(recent) : 0;
	double max = 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(recent, i);
		if (v && json_object_get_double(v) > max)
			max = json_object_get_double(v);
	}
	fprintf(f, "<svg class=\"spark\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", SPARK_W,
		SPARK_H, SPARK_W, SPARK_H);
	double step = n > 1 ? (double)(SPARK_W - 2) / (double)(n - 1) : 0;
	int open = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(recent, i);
		double x = 1 + step * (double)i;
		if (!v) {
			if (open)
				fputs("\"/>", f);
			open = 0;
			fputs("<rect x=\"", f);
			put_fixed(f, x - 1, 1);
			fprintf(f, "\" y=\"%d\" width=\"2\" height=\"4\"/>", SPARK_H - 4);
			continue;
		}
		double y = max > 0 ? (SPARK_H - 2) - (SPARK_H - 4) * json_object_get_double(v) / max
				   : SPARK_H / 2.0;
		fputs(open ? " " : "<polyline points=\"", f);
		put_fixed(f, x, 1);
		fputc(',', f);
		put_fixed(f, y, 1);
		open = 1;
	}
	if (open)
		fputs("\"/>", f);
	fputs("</svg>", f);
}

static double recent_avg(struct json_object *recent, int *count)
{
	double sum = 0;
	int n = 0;

	for (size_t i = 0; recent && i < json_object_array_length(recent); i++) {
		struct json_object *v = json_object_array_get_idx(recent, i);
		if (v) {
			sum += json_object_get_double(v);
			n++;
		}
	}
	*count = n;
	return n ? sum / n : NAN;
}

static void target_row(FILE *f, struct json_object *t)
{
	struct json_object *recent = get(t, "recent_rtt_ms");
	const char *state = str(t, "state");
	int n;
	double avg = recent_avg(recent, &n);

	fprintf(f, "<tr class=\"%s\" data-target=\"", state_class(state));
	esc(f, str(t, "target"));
	fputs("\"><td>", f);
	esc(f, str(t, "target"));
	fputs("</td><td class=\"state\">", f);
	esc(f, state);
	fputs("</td>", f);
	cell_num(f, get(t, "last_rtt_ms"), 3, 1, "");
	if (n) {
		fputs("<td class=\"n\">", f);
		put_fixed(f, avg, 3);
		fputs("</td>", f);
	} else {
		fputs("<td class=\"n\">-</td>", f);
	}
	cell_num(f, get(t, "loss"), 1, 100, "%");
	cell_num(f, get(t, "recent_loss"), 0, 100, "%");
	fputs("<td>", f);
	esc(f, str(t, "since"));
	fputs("</td><td>", f);
	sparkline(f, recent);
	/* The recent probes, oldest first, and why the target is down. */
	fputs("</td><td><details><summary>", f);
	fprintf(f, "%zu</summary><ol>", recent ? json_object_array_length(recent) : 0);
	for (size_t i = 0; recent && i < json_object_array_length(recent); i++) {
		struct json_object *v = json_object_array_get_idx(recent, i);
		if (v) {
			fputs("<li>", f);
			put_fixed(f, json_object_get_double(v), 3);
			fputs(" ms</li>", f);
		}
		else
			fputs("<li>no answer</li>", f);
	}
	fputs("</ol>", f);
	if (*str(t, "error")) {
		fputs("<p class=\"error\">", f);
		esc(f, str(t, "error"));
		fputs("</p>", f);
	}
	fputs("</details></td></tr>", f);
}

/* Rows of list whose "state" is (want_down ? "down" : not "down"), up to
 * *room; returns how many were left out. */
static size_t rows(FILE *f, struct json_object *list, int want_down, size_t *room,
		   void (*row)(FILE *f, struct json_object *e))
{
	size_t skipped = 0;

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i);
		if ((strcmp(str(e, "state"), "down") == 0) != want_down)
			continue;
		if (*room == 0) {
			skipped++;
			continue;
		}
		(*room)--;
		row(f, e);
	}
	return skipped;
}

static void table_of(FILE *f, struct json_object *list, const char *head,
		     void (*row)(FILE *f, struct json_object *e), size_t total)
{
	size_t room = PAGE_MAX_ROWS, left;

	fprintf(f, "<table>%s", head);
	left = rows(f, list, 1, &room, row);
	left += rows(f, list, 0, &room, row);
	fputs("</table>", f);
	size_t shown = list ? json_object_array_length(list) - left : 0;
	if (total > shown)
		fprintf(f, "<p class=\"more\">%zu more not shown (all of them in "
			   "<a href=\"?format=json\">JSON</a> and <a href=\"?format=csv\">CSV</a>)</p>",
			total - shown);
}

static void upstream_row(FILE *f, struct json_object *u)
{
	const char *state = str(u, "state");

	fprintf(f, "<tr class=\"%s\" data-upstream=\"", state_class(state));
	esc(f, str(u, "upstream"));
	fputs("\"><td>", f);
	esc(f, str(u, "upstream"));
	fputs("</td><td class=\"state\">", f);
	esc(f, state);
	fputs("</td>", f);
	cell_num(f, get(u, "since_seconds_ago"), 1, 1, " s ago");
	cell_num(f, get(u, "connects_ok"), 0, 1, "");
	cell_num(f, get(u, "connects_failed"), 0, 1, "");
	fputs("<td>", f);
	esc(f, str(u, "error"));
	fputs("</td></tr>", f);
}

static void counters(FILE *f, struct json_object *m)
{
	if (!m)
		return;
	fputs("<table class=\"counters\"><tr><th>series</th><th>value</th></tr>", f);
	json_object_object_foreach(m, key, val) {
		fputs("<tr><td>", f);
		esc(f, key);
		fputs("</td><td class=\"n counter\" data-key=\"", f);
		esc(f, key);
		fprintf(f, "\">%.15g</td></tr>", json_object_get_double(val));
	}
	fputs("</table>", f);
}

static void instance(FILE *f, struct json_object *in)
{
	struct json_object *ctl = get(in, "ctl"), *t;
	const char *state = str(in, "state");

	if (!*state)
		state = json_object_get_boolean(get(in, "started")) ? "running" : "stopped";
	fputs("<section class=\"instance\" data-instance=\"", f);
	esc(f, str(in, "plugin"));
	fputc('/', f);
	esc(f, str(in, "name"));
	fputs("\"><h2>[", f);
	esc(f, str(in, "plugin"));
	fputc(' ', f);
	esc(f, str(in, "name"));
	fprintf(f, "] <span class=\"state %s\">", state_class(state));
	esc(f, state);
	fputs("</span></h2>", f);
	if ((t = get(ctl, "stats"))) {
		struct json_object *listen = get(t, "listen");
		fputs("<p>listening on ", f);
		for (size_t i = 0; listen && i < json_object_array_length(listen); i++) {
			fputs(i ? ", " : "", f);
			esc(f, json_object_get_string(json_object_array_get_idx(listen, i)));
		}
		fputs("; connections: <span class=\"active\">", f);
		esc(f, str(t, "active"));
		fputs("</span> active of ", f);
		esc(f, str(t, "max_connections"));
		fputs(", <span class=\"accepted\">", f);
		esc(f, str(t, "accepted"));
		fputs("</span> accepted, <span class=\"failed-count\">", f);
		esc(f, str(t, "failed"));
		fputs("</span> failed; bytes up <span class=\"bytes-up\">", f);
		esc(f, str(t, "bytes_up"));
		fputs("</span>, down <span class=\"bytes-down\">", f);
		esc(f, str(t, "bytes_down"));
		fputs("</span></p>", f);
	}
	if ((t = get(ctl, "upstreams")))
		table_of(f, get(t, "upstreams"),
			 "<tr><th>upstream</th><th>state</th><th>last change</th><th>connects ok</th>"
			 "<th>failed</th><th>last error</th></tr>",
			 upstream_row, json_object_array_length(get(t, "upstreams")));
	if ((t = get(ctl, "targets"))) {
		fprintf(f, "<p>%s rounds, every %g s</p>", str(t, "rounds"),
			json_object_get_double(get(t, "every_seconds")));
		table_of(f, get(t, "targets"),
			 "<tr><th>target</th><th>state</th><th>last RTT ms</th><th>avg RTT ms</th>"
			 "<th>loss</th><th>recent loss</th><th>last change</th><th>recent RTTs</th>"
			 "<th>recent probes</th></tr>",
			 target_row, (size_t)json_object_get_int64(get(t, "total")));
	}
	counters(f, get(in, "metrics"));
	fputs("</section>", f);
}

static void probes(FILE *f, struct json_object *list)
{
	fputs("<section id=\"probes\"><h2>Recent /probe requests</h2>", f);
	if (!list || json_object_array_length(list) == 0) {
		fputs("<p>none yet</p></section>", f);
		return;
	}
	fputs("<table><tr><th>at</th><th>module</th><th>target</th><th>result</th><th>seconds</th>"
	      "<th>error</th></tr>", f);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *p = json_object_array_get_idx(list, i);
		int ok = json_object_get_boolean(get(p, "success"));
		fprintf(f, "<tr class=\"%s\"><td>", ok ? "up" : "down");
		esc(f, str(p, "at"));
		fputs("</td><td>", f);
		esc(f, str(p, "module"));
		fputs("</td><td>", f);
		esc(f, str(p, "target"));
		fprintf(f, "</td><td class=\"state\">%s</td><td class=\"n\">%.6f</td><td>",
			ok ? "success" : "failure", json_object_get_double(get(p, "seconds")));
		esc(f, str(p, "error"));
		fputs("</td></tr>", f);
	}
	fputs("</table></section>", f);
}

char *page_html(struct json_object *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct json_object *insts = get(m, "instances");

	if (!f)
		return NULL;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta http-equiv=\"refresh\" content=\"%d\"><title>nethost ", PAGE_REFRESH_S);
	esc(f, str(m, "version"));
	fprintf(f, "</title><style>%s</style></head><body><h1>nethost ", page_css);
	esc(f, str(m, "version"));
	fputs("</h1><p class=\"meta\">pid ", f);
	esc(f, str(m, "pid"));
	fputs(", config ", f);
	esc(f, str(m, "config_file"));
	fputs(", up ", f);
	esc(f, str(m, "uptime_seconds"));
	fputs(" s, ", f);
	esc(f, str(m, "reloads"));
	fputs(" reloads. <a href=\"?format=json\">JSON</a> <a href=\"?format=csv\">CSV</a> "
	      "<a href=\"/metrics\">/metrics</a></p>", f);
	fputs("<table class=\"summary\"><tr><th>instance</th><th>state</th></tr>", f);
	for (size_t i = 0; insts && i < json_object_array_length(insts); i++) {
		struct json_object *in = json_object_array_get_idx(insts, i);
		const char *state = *str(in, "state") ? str(in, "state") : "running";
		fputs("<tr><td>[", f);
		esc(f, str(in, "plugin"));
		fputc(' ', f);
		esc(f, str(in, "name"));
		fprintf(f, "]</td><td><span class=\"state %s\">", state_class(state));
		esc(f, state);
		fputs("</span></td></tr>", f);
	}
	fputs("</table>", f);
	for (size_t i = 0; insts && i < json_object_array_length(insts); i++)
		instance(f, json_object_array_get_idx(insts, i));
	probes(f, get(m, "probes"));
	fputs("</body></html>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
