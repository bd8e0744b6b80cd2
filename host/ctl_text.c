/* A control command's JSON reply as text for a person: one renderer for
 * every command, so that plugins fill JSON only (sdk/nethost/ctl.h says
 * how it looks). Every string goes through nh_escape(): a name from a
 * config file or a peer reaches the terminal as text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"

/* A scalar (or a short JSON text of anything else) into buf, escaped. */
static const char *cell(struct json_object *v, char *buf, size_t len)
{
	const char *raw;

	if (!v)
		raw = "-";
	else if (json_object_is_type(v, json_type_string))
		raw = json_object_get_string(v);
	else if (json_object_is_type(v, json_type_boolean))
		raw = json_object_get_boolean(v) ? "yes" : "no";
	else
		raw = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	return nh_escape(raw, buf, len);
}

static int is_table(struct json_object *a)
{
	size_t n = json_object_array_length(a);

	for (size_t i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_object))
			return 0;
	return n > 0;
}

/* An array of objects: a header of the first element's keys, then one
 * row per element, columns as wide as their widest cell. */
static void print_table(FILE *f, struct json_object *a, int indent)
{
	struct json_object *first = json_object_array_get_idx(a, 0);
	size_t n = json_object_array_length(a), ncol = 0;
	const char *keys[32];
	size_t width[32];
	char buf[1024];

	json_object_object_foreach(first, k, v0) {
		(void)v0;
		if (ncol < 32) {
			keys[ncol] = k;
			width[ncol++] = strlen(k);
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < ncol; c++) {
			struct json_object *v = NULL;
			json_object_object_get_ex(json_object_array_get_idx(a, i), keys[c], &v);
			size_t w = strlen(cell(v, buf, sizeof(buf)));
			if (w > width[c])
				width[c] = w;
		}
	fprintf(f, "%*s", indent, "");
	for (size_t c = 0; c < ncol; c++)
		fprintf(f, "%-*s%s", c + 1 < ncol ? (int)width[c] : 0, keys[c], c + 1 < ncol ? "  " : "\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%*s", indent, "");
		for (size_t c = 0; c < ncol; c++) {
			struct json_object *v = NULL;
			json_object_object_get_ex(json_object_array_get_idx(a, i), keys[c], &v);
			fprintf(f, "%-*s%s", c + 1 < ncol ? (int)width[c] : 0, cell(v, buf, sizeof(buf)),
				c + 1 < ncol ? "  " : "\n");
		}
	}
}

void ctl_text_print(FILE *f, struct json_object *o, int indent)
{
	char buf[4096];
	struct json_object *text;

	if (json_object_object_length(o) == 1 && json_object_object_get_ex(o, "text", &text) &&
	    json_object_is_type(text, json_type_string)) {
		fputs(json_object_get_string(text), f); /* Prometheus text and the like, as it is */
		return;
	}
	json_object_object_foreach(o, key, v) {
		char k[256];
		nh_escape(key, k, sizeof(k));
		if (v && json_object_is_type(v, json_type_object)) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			ctl_text_print(f, v, indent + 2);
		} else if (v && json_object_is_type(v, json_type_array)) {
			size_t n = json_object_array_length(v);
			fprintf(f, "%*s%s:%s\n", indent, "", k, n ? "" : " (none)");
			if (is_table(v))
				print_table(f, v, indent + 2);
			else
				for (size_t i = 0; i < n; i++)
					fprintf(f, "%*s%s\n", indent + 2, "",
						cell(json_object_array_get_idx(v, i), buf, sizeof(buf)));
		} else {
			fprintf(f, "%*s%s: %s\n", indent, "", k, cell(v, buf, sizeof(buf)));
		}
	}
}
