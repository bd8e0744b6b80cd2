/* Reading the INI file into sections, with inih.
 *
 * Debian's inih is built without line numbers for the handler and with a
 * 200-byte line buffer that silently splits longer lines. So we feed it
 * through ini_parse_stream() with our own reader, which counts lines,
 * rejects over-long ones, and checks each line's shape itself: every
 * problem in the file is reported as FILE:LINE, not just the first. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nh_internal.h"

#define LINE_MAX_LEN 200 /* inih's INI_MAX_LINE in Debian's build */

struct reader {
	nh_config *cfg;
	const char *text; /* the buffer being read */
	size_t len, pos;
	int line;         /* number of the line last handed to inih */
	nh_section *cur;  /* section being filled; NULL before the first header */
	int cur_bad;      /* the current header was refused: skip its keys */
};

static void config_error(nh_config *cfg, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_error(nh_config *cfg, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nh_logf(NULL, NH_LOG_ERR, "%s:%d: %s", cfg->file, line, msg);
	cfg->errors++;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int add_section(struct reader *r, const char *header);

/* Check one line's shape and open sections as their headers pass;
 * returns 0 when inih may have the line. */
static int check_line(struct reader *r, const char *raw)
{
	char buf[LINE_MAX_LEN + 1];

	snprintf(buf, sizeof(buf), "%s", raw);
	char *s = trim(buf);
	if (!*s || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close) {
			config_error(r->cfg, r->line, "section header without ']'");
			r->cur = NULL;
			r->cur_bad = 1;
			return -1;
		}
		char *after = trim(close + 1);
		if (*after && *after != ';' && *after != '#') {
			config_error(r->cfg, r->line, "junk after section header: '%s'", after);
			r->cur = NULL;
			r->cur_bad = 1;
			return -1;
		}
		*close = '\0';
		r->cur = NULL;
		r->cur_bad = add_section(r, s + 1) < 0;
		return 0;
	}
	char *eq = strpbrk(s, "=:");
	if (!eq) {
		config_error(r->cfg, r->line, "expected 'key = value', '[section]' or a comment: '%s'",
			     s);
		return -1;
	}
	*eq = '\0';
	if (!*trim(s)) {
		config_error(r->cfg, r->line, "missing key before '%c'", raw[eq - buf]);
		return -1;
	}
	return 0;
}

/* inih's reader: hand over one line at a time. */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;

	while (r->pos < r->len) {
		const char *start = r->text + r->pos;
		const char *nl = memchr(start, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
		r->pos += n + (nl ? 1 : 0);
		r->line++;
		if (n && start[n - 1] == '\r')
			n--; /* CRLF files */
		if (memchr(start, '\0', n)) {
			config_error(r->cfg, r->line, "NUL byte in line");
			continue;
		}
		if (n + 2 > (size_t)num || n > LINE_MAX_LEN - 2) {
			config_error(r->cfg, r->line, "line longer than %d characters",
				     LINE_MAX_LEN - 2);
			continue;
		}
		/* Leading blanks would make inih take the line as the
		 * continuation of the previous value: hand it over trimmed. */
		while (n && (*start == ' ' || *start == '\t')) {
			start++;
			n--;
		}
		memcpy(str, start, n);
		str[n] = '\n';
		str[n + 1] = '\0';
		if (check_line(r, str) < 0)
			continue;
		return str;
	}
	return NULL;
}

static int add_section(struct reader *r, const char *header)
{
	nh_config *cfg = r->cfg;
	char buf[LINE_MAX_LEN + 1];
	snprintf(buf, sizeof(buf), "%s", header);
	char *plugin = trim(buf);
	char *instance = plugin + strcspn(plugin, " \t");

	if (*instance) {
		*instance++ = '\0';
		instance = trim(instance);
	}
	if (!*instance)
		instance = plugin;
	if (!valid_name(plugin) || !valid_name(instance) || strchr(instance, ' ')) {
		config_error(cfg, r->line,
			     "bad section name '[%s]': use [PLUGIN] or [PLUGIN NAME] with letters, "
			     "digits, '_', '-' or '.'",
			     header);
		return -1;
	}
	nh_section *dup = nh_config_find(cfg, plugin, instance);
	if (dup) {
		config_error(cfg, r->line, "section [%s] already defined at line %d", header,
			     dup->line);
		return -1;
	}
	if (cfg->n == cfg->cap) {
		int cap = cfg->cap ? cfg->cap * 2 : 8;
		nh_section **grown = realloc(cfg->sections, (size_t)cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		cfg->sections = grown;
		cfg->cap = cap;
	}
	nh_section *sec = calloc(1, sizeof(*sec));
	if (!sec)
		return -ENOMEM;
	sec->cfg = cfg;
	sec->line = r->line;
	sec->plugin = strdup(plugin);
	sec->instance = strdup(instance);
	if (!sec->plugin || !sec->instance) {
		free(sec->plugin);
		free(sec->instance);
		free(sec);
		return -ENOMEM;
	}
	cfg->sections[cfg->n++] = sec;
	r->cur = sec;
	return 0;
}

static int add_entry(nh_section *sec, const char *key, const char *value, int line)
{
	if (sec->n == sec->cap) {
		int cap = sec->cap ? sec->cap * 2 : 8;
		struct nh_entry *grown = realloc(sec->entries, (size_t)cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		sec->entries = grown;
		sec->cap = cap;
	}
	struct nh_entry *e = &sec->entries[sec->n];
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return -ENOMEM;
	}
	sec->n++;
	return 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;

	/* Sections were opened by the reader; some inih builds also call us
	 * with name == NULL at each header. */
	if (!name || r->cur_bad)
		return 1;
	if (!r->cur) {
		config_error(r->cfg, r->line, "'%s' outside any section", name);
		return 1;
	}
	if (add_entry(r->cur, name, value, r->line) < 0) {
		config_error(r->cfg, r->line, "out of memory");
		return 0;
	}
	return 1;
}

nh_config *nh_config_load_buffer(const char *name, const char *text, size_t len)
{
	nh_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg || !(cfg->file = strdup(name))) {
		free(cfg);
		return NULL;
	}
	struct reader r = { .cfg = cfg, .text = text, .len = len };
	/* inih reports errors we already caught in the reader, and
	 * out-of-memory (handler returned 0), which we reported. */
	ini_parse_stream(read_line, &r, on_entry, &r);
	return cfg;
}

nh_config *nh_config_load(const char *path)
{
	FILE *f = fopen(path, "re");

	if (!f) {
		nh_logf(NULL, NH_LOG_ERR, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	char chunk[8192];
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + got > cap) {
			cap = (len + got) * 2;
			char *grown = realloc(text, cap);
			if (!grown) {
				free(text);
				fclose(f);
				nh_logf(NULL, NH_LOG_ERR, "%s: out of memory", path);
				return NULL;
			}
			text = grown;
		}
		memcpy(text + len, chunk, got);
		len += got;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(text);
		nh_logf(NULL, NH_LOG_ERR, "%s: read error", path);
		return NULL;
	}
	nh_config *cfg = nh_config_load_buffer(path, text ? text : "", len);
	free(text);
	if (!cfg)
		nh_logf(NULL, NH_LOG_ERR, "%s: out of memory", path);
	return cfg;
}

void nh_config_free(nh_config *cfg)
{
	if (!cfg)
		return;
	for (int i = 0; i < cfg->n; i++) {
		nh_section *sec = cfg->sections[i];
		for (int j = 0; j < sec->n; j++) {
			free(sec->entries[j].key);
			free(sec->entries[j].value);
		}
		free(sec->entries);
		free(sec->plugin);
		free(sec->instance);
		free(sec);
	}
	free(cfg->sections);
	free(cfg->file);
	free(cfg);
}

nh_section *nh_config_find(const nh_config *cfg, const char *plugin, const char *instance)
{
	for (int i = 0; i < cfg->n; i++)
		if (strcmp(cfg->sections[i]->plugin, plugin) == 0 &&
		    strcmp(cfg->sections[i]->instance, instance) == 0)
			return cfg->sections[i];
	return NULL;
}

int nh_section_same(const nh_section *a, const nh_section *b)
{
	if (a->n != b->n || strcmp(a->plugin, b->plugin) || strcmp(a->instance, b->instance))
		return 0;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->entries[i].key, b->entries[i].key) ||
		    strcmp(a->entries[i].value, b->entries[i].value))
			return 0;
	return 1;
}

int nh_section_check_keys(const nh_section *sec, const struct nh_conf_key *keys)
{
	int bad = 0;

	for (int i = 0; i < sec->n; i++) {
		const struct nh_entry *e = &sec->entries[i];
		const struct nh_conf_key *k = keys;
		while (k && k->name && strcmp(k->name, e->key) != 0)
			k++;
		if (!k || !k->name) {
			config_error(sec->cfg, e->line, "[%s %s] %s: unknown key for plugin '%s'",
				     sec->plugin, sec->instance, e->key, sec->plugin);
			bad = 1;
			continue;
		}
		if (k->multi)
			continue;
		for (int j = 0; j < i; j++)
			if (strcmp(sec->entries[j].key, e->key) == 0) {
				config_error(sec->cfg, e->line,
					     "[%s %s] %s: given twice (first at line %d)",
					     sec->plugin, sec->instance, e->key,
					     sec->entries[j].line);
				bad = 1;
				break;
			}
	}
	if (bad)
		((nh_section *)sec)->errors++;
	return bad ? -EINVAL : 0;
}
