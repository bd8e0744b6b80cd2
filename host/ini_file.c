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

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

#define LINE_MAX_LEN 200 /* inih's INI_MAX_LINE in Debian's build */

struct reader {
	nh_config *cfg;
	const char *text; /* the buffer being read */
	size_t len, pos;
	int line;         /* number of the line last handed to inih */
	nh_section *cur;  /* section being filled; NULL before the first header */
	int cur_bad;      /* the current header was refused: skip its keys */
};

void nh_config_error(nh_config *cfg, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	host_logf(NH_LOG_ERR, "%s:%d: %s", cfg->file, line, msg);
	cfg->errors++;
}

/* ---- what the SDK's getters see (struct nh_section_ops) ------------ */

static int sec_count(const nh_section *sec, const char *key)
{
	int n = 0;

	for (int i = 0; i < sec->n; i++)
		n += strcmp(sec->entries[i].key, key) == 0;
	return n;
}

static const char *sec_value(const nh_section *sec, const char *key, int i, int *line)
{
	for (int j = 0; j < sec->n; j++)
		if (strcmp(sec->entries[j].key, key) == 0 && i-- == 0) {
			if (line)
				*line = sec->entries[j].line;
			return sec->entries[j].value;
		}
	return NULL;
}

static void sec_report(const nh_section *sec, int line, const char *key, const char *msg)
{
	nh_config_error(sec->cfg, line, "[%s %s]%s%s: %s", sec->plugin, sec->instance,
			key ? " " : "", key ? key : "", msg);
}

static const struct nh_section_ops section_ops = {
	.count = sec_count,
	.value = sec_value,
	.report = sec_report,
};

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
			nh_config_error(r->cfg, r->line, "section header without ']'");
			r->cur = NULL;
			r->cur_bad = 1;
			return -1;
		}
		char *after = trim(close + 1);
		if (*after && *after != ';' && *after != '#') {
			nh_config_error(r->cfg, r->line, "junk after section header: '%s'", after);
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
		nh_config_error(r->cfg, r->line, "expected 'key = value', '[section]' or a comment: '%s'",
			     s);
		return -1;
	}
	*eq = '\0';
	if (!*trim(s)) {
		nh_config_error(r->cfg, r->line, "missing key before '%c'", raw[eq - buf]);
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
			nh_config_error(r->cfg, r->line, "NUL byte in line");
			continue;
		}
		if (n + 2 > (size_t)num || n > LINE_MAX_LEN - 2) {
			nh_config_error(r->cfg, r->line, "line longer than %d characters",
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
		nh_config_error(cfg, r->line,
			     "bad section name '[%s]': use [PLUGIN] or [PLUGIN NAME] with letters, "
			     "digits, '_', '-' or '.'",
			     header);
		return -1;
	}
	if (strlen(plugin) > NH_NAME_MAX || strlen(instance) > NH_NAME_MAX) {
		nh_config_error(cfg, r->line, "section name '[%s]': a plugin or instance name is at "
					      "most %d characters", header, NH_NAME_MAX);
		return -1;
	}
	nh_section *dup = nh_config_find(cfg, plugin, instance);
	if (dup) {
		nh_config_error(cfg, r->line, "section [%s] already defined at line %d", header,
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
	sec->head = (struct nh_section_head){ .ops = &section_ops, .plugin = sec->plugin,
					      .instance = sec->instance, .line = sec->line };
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
		nh_config_error(r->cfg, r->line, "'%s' outside any section", name);
		return 1;
	}
	if (add_entry(r->cur, name, value, r->line) < 0) {
		nh_config_error(r->cfg, r->line, "out of memory");
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

/* Read the whole file into a malloc'd buffer. It must be a regular file:
 * a FIFO would block the loop on open() and /dev/zero would never end, so
 * open without blocking, check what it is, and read at most the cap. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0) {
		host_logf(NH_LOG_ERR, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		host_logf(NH_LOG_ERR, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > NH_CONFIG_MAX_BYTES) {
		host_logf(NH_LOG_ERR, "%s: larger than %u MiB, not read", path,
			  NH_CONFIG_MAX_BYTES >> 20);
		close(fd);
		return NULL;
	}
	/* One byte more than the cap tells a file that grew since fstat. */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *text = malloc(cap + 1);
	if (!text)
		host_logf(NH_LOG_ERR, "%s: out of memory", path);
	while (text) {
		ssize_t got = read(fd, text + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			host_logf(NH_LOG_ERR, "%s: read error: %s", path, strerror(errno));
			free(text);
			text = NULL;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == cap) {
			if (cap > NH_CONFIG_MAX_BYTES) {
				host_logf(NH_LOG_ERR, "%s: larger than %u MiB, not read", path,
					  NH_CONFIG_MAX_BYTES >> 20);
				free(text);
				text = NULL;
				break;
			}
			char *grown = realloc(text, cap * 2 + 1);
			if (!grown) {
				host_logf(NH_LOG_ERR, "%s: out of memory", path);
				free(text);
			}
			text = grown;
			cap *= 2;
		}
	}
	close(fd);
	if (!text)
		return NULL;
	text[n] = '\0';
	*len = n;
	return text;
}

nh_config *nh_config_load(const char *path)
{
	size_t len = 0;
	char *text = read_file(path, &len);

	if (!text)
		return NULL;
	/* A UTF-8 byte order mark, as some editors write, is not a line. */
	size_t skip = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	nh_config *cfg = nh_config_load_buffer(path, text + skip, len - skip);
	free(text);
	if (!cfg)
		host_logf(NH_LOG_ERR, "%s: out of memory", path);
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

/* Edit distance between a and b, capped: 3 means "3 or more". */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], best;

	if (la >= 63 || lb >= 63 || (la > lb ? la - lb : lb - la) >= 3)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = best = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int sub = diag + (a[i - 1] != b[j - 1]);
			int del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			diag = up;
			if (row[j] < best)
				best = row[j];
		}
		if (best >= 3)
			return 3;
	}
	return row[lb] < 3 ? row[lb] : 3;
}

/* The declared key nearest to name (at most 2 edits), or NULL. */
static const struct nh_conf_key *near_key(const struct nh_conf_key *keys, const char *name)
{
	const struct nh_conf_key *best = NULL;
	int best_d = 3;

	for (const struct nh_conf_key *k = keys; k && k->name; k++) {
		int d = distance(name, k->name);
		if (d < best_d) {
			best = k;
			best_d = d;
		}
	}
	return best;
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
			const struct nh_conf_key *near = near_key(keys, e->key);
			if (near)
				nh_config_error(sec->cfg, e->line,
						"[%s %s] %s: unknown key for plugin '%s'; did you mean '%s' (%s)?",
						sec->plugin, sec->instance, e->key, sec->plugin, near->name,
						near->help ? near->help : "no help");
			else
				nh_config_error(sec->cfg, e->line, "[%s %s] %s: unknown key for plugin '%s'",
						sec->plugin, sec->instance, e->key, sec->plugin);
			bad = 1;
			continue;
		}
		if (k->multi)
			continue;
		for (int j = 0; j < i; j++)
			if (strcmp(sec->entries[j].key, e->key) == 0) {
				nh_config_error(sec->cfg, e->line,
						"[%s %s] %s: given twice (first at line %d)",
						sec->plugin, sec->instance, e->key,
						sec->entries[j].line);
				bad = 1;
				break;
			}
	}
	for (const struct nh_conf_key *k = keys; k && k->name; k++)
		if (k->required && sec_count(sec, k->name) == 0) {
			nh_config_error(sec->cfg, sec->line, "[%s %s] %s: required (%s)", sec->plugin,
					sec->instance, k->name, k->help ? k->help : "no help");
			bad = 1;
		}
	return bad ? -EINVAL : 0;
}
