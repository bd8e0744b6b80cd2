/* http: /metrics is the host's series (nh_metrics_text) followed by the
 * histograms instances hand over through their `histograms` control
 * command (ABI 2.1). The SDK's metrics API has counters and gauges only;
 * a Prometheus histogram is a family of its own type (# TYPE NAME
 * histogram, then NAME_bucket{le=...}, NAME_sum, NAME_count), which only
 * whoever writes the text can produce. The instance counts (icmp: every
 * RTT into its bucket), this file writes the exposition.
 *
 * The reply's shape (one per instance, any plugin may answer it):
 *   {"families": [{"name", "help", "bounds": [upper bounds...],
 *     "series": [{"labels": {"k": "v"}, "buckets": [cumulative counts],
 *                 "sum", "count"}]}]}
 * A family whose name the host registry already has is left out (one
 * # TYPE per name), and said so once in the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

static int valid_name(const char *s, int label)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		      (*p >= '0' && *p <= '9') || (!label && *p == ':')))
			return 0;
	return !label || (strcmp(s, "le") != 0 && strcmp(s, "plugin") != 0 &&
			  strcmp(s, "instance") != 0 && strncmp(s, "__", 2) != 0);
}

static void number(FILE *f, double v)
{
	char num[40];

	snprintf(num, sizeof(num), "%.15g", v);
	if (strtod(num, NULL) != v)
		snprintf(num, sizeof(num), "%.17g", v);
	fputs(num, f);
}

/* {plugin="p",instance="i",k="v"... (no closing brace) into a memstream
 * string: built once a series, written once a line. */
static char *series_labels(const char *plugin, const char *inst, struct json_object *labels)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("{plugin=\"", f);
	label_value(f, plugin);
	fputs("\",instance=\"", f);
	label_value(f, inst);
	fputc('"', f);
	json_object_object_foreach(labels, k, v) {
		fprintf(f, ",%s=\"", k);
		label_value(f, json_object_get_string(v));
		fputc('"', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int labels_ok(struct json_object *labels)
{
	if (!json_object_is_type(labels, json_type_object))
		return 0;
	json_object_object_foreach(labels, k, v) {
		(void)v;
		if (!valid_name(k, 1))
			return 0;
	}
	return 1;
}

static void family(struct http *h, FILE *f, const char *base, const char *plugin,
		   const char *inst, struct json_object *fam, struct json_object *written)
{
	struct json_object *name_o, *help_o, *bounds, *series;
	const char *name;
	char type_line[300];

	if (!json_object_object_get_ex(fam, "name", &name_o) ||
	    !json_object_object_get_ex(fam, "bounds", &bounds) ||
	    !json_object_object_get_ex(fam, "series", &series) ||
	    !valid_name(name = json_object_get_string(name_o), 0) || strlen(name) > 200)
		return;
	snprintf(type_line, sizeof(type_line), "# TYPE %s ", name);
	if (strstr(base, type_line)) {
		if (!h->hist_clash_logged++)
			nh_warn(h->ctx, "histogram %s of %s/%s left out: the name is a series already",
				name, plugin, inst);
		return;
	}
	/* Several instances share one family: one # HELP and # TYPE. */
	if (!json_object_object_get_ex(written, name, NULL)) {
		json_object_object_add(written, name, NULL);
		fprintf(f, "# HELP %s ", name);
		const char *help = json_object_object_get_ex(fam, "help", &help_o)
					   ? json_object_get_string(help_o) : name;
		for (; *help; help++) /* the exposition's escapes: \\ and \n */
			if (*help == '\n')
				fputs("\\n", f);
			else if (*help == '\\')
				fputs("\\\\", f);
			else
				fputc(*help, f);
		fprintf(f, "\n# TYPE %s histogram\n", name);
	}
	size_t nb = json_object_array_length(bounds);
	char (*le)[40] = calloc(nb ? nb : 1, sizeof(*le));
	if (!le)
		return;
	/* The bounds as text once for every series. */
	for (size_t b = 0; b < nb; b++) {
		double v = json_object_get_double(json_object_array_get_idx(bounds, b));
		snprintf(le[b], sizeof(le[b]), "%.15g", v);
		if (strtod(le[b], NULL) != v)
			snprintf(le[b], sizeof(le[b]), "%.17g", v);
	}
	for (size_t i = 0; i < json_object_array_length(series); i++) {
		struct json_object *s = json_object_array_get_idx(series, i), *labels, *buckets, *sum,
				   *count;
		char *lab;
		if (!json_object_object_get_ex(s, "labels", &labels) || !labels_ok(labels) ||
		    !json_object_object_get_ex(s, "buckets", &buckets) ||
		    json_object_array_length(buckets) != nb ||
		    !json_object_object_get_ex(s, "sum", &sum) ||
		    !json_object_object_get_ex(s, "count", &count) ||
		    !(lab = series_labels(plugin, inst, labels)))
			continue;
		for (size_t b = 0; b < nb; b++)
			fprintf(f, "%s_bucket%s,le=\"%s\"} %lld\n", name, lab, le[b],
				(long long)json_object_get_int64(json_object_array_get_idx(buckets, b)));
		long long n = (long long)json_object_get_int64(count);
		fprintf(f, "%s_bucket%s,le=\"+Inf\"} %lld\n%s_sum%s} ", name, lab, n, name, lab);
		number(f, json_object_get_double(sum));
		fprintf(f, "\n%s_count%s} %lld\n", name, lab, n);
		free(lab);
	}
	free(le);
}

/* Whether the instance lists `histograms` among its control commands. */
static int has_histograms(struct json_object *in)
{
	struct json_object *cmds;

	if (!json_object_object_get_ex(in, "ctl", &cmds) || !json_object_is_type(cmds, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(cmds); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(cmds, i)), "histograms") == 0)
			return 1;
	return 0;
}

char *http_metrics_text(struct http *h, size_t *len)
{
	size_t blen = 0;
	char *base = nh_metrics_text(h->ctx, &blen), *out = NULL;
	struct json_object *st = base ? nh_host_status(h->ctx) : NULL, *insts, *written;

	if (!st || !json_object_object_get_ex(st, "instances", &insts) ||
	    !(written = json_object_new_object())) {
		json_object_put(st);
		if (len)
			*len = blen;
		return base; /* without histograms, or NULL */
	}
	FILE *f = open_memstream(&out, len);
	if (!f) {
		json_object_put(written);
		json_object_put(st);
		free(base);
		return NULL;
	}
	fwrite(base, 1, blen, f);
	for (size_t i = 0; i < json_object_array_length(insts); i++) {
		struct json_object *in = json_object_array_get_idx(insts, i), *p, *n, *reply, *fams;
		if (!has_histograms(in) || !json_object_object_get_ex(in, "plugin", &p) ||
		    !json_object_object_get_ex(in, "name", &n))
			continue;
		char id[160], *argv[] = { "histograms", NULL };
		struct json_object *res = NULL;
		snprintf(id, sizeof(id), "%s/%s", json_object_get_string(p), json_object_get_string(n));
		if (nh_ctl_call(h->ctx, id, 1, argv, &res) == 0 &&
		    json_object_object_get_ex(res, "reply", &reply) &&
		    json_object_object_get_ex(reply, "families", &fams) &&
		    json_object_is_type(fams, json_type_array))
			for (size_t k = 0; k < json_object_array_length(fams); k++)
				family(h, f, base, json_object_get_string(p), json_object_get_string(n),
				       json_object_array_get_idx(fams, k), written);
		json_object_put(res);
	}
	json_object_put(written);
	json_object_put(st);
	free(base);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
