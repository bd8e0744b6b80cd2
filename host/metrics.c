/* Metrics: the host's registry of counter, gauge and histogram series, rendered in
 * the Prometheus text format. Plugins reach it through their context
 * (sdk/metrics.c); one registry serves every instance of the process.
 *
 * The value sits first in each series so that the pointer a plugin holds
 * (nh_counter *, nh_gauge *) is the series itself: updates are inline
 * adds, and deletion finds the series without a lookup. Labels are
 * rendered once, at creation, into the text the exposition needs; that
 * text also makes duplicate detection a string compare. The exposition
 * is built with plain appends into one buffer, no stdio formatting: a
 * sweep of thousands of targets with histograms is megabytes of text,
 * and /metrics must stay fast; a histogram's le="..." texts are formatted
 * once, at creation. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"


static const char *const type_names[] = { "counter", "gauge", "histogram" };

struct family;

struct series {
	struct nh_series_head head; /* first: the handle plugins hold points here */
	struct family *fam;
	char *labels; /* plugin="a",instance="b",k="v" */
	size_t labels_len;
	char *le; /* histograms: each bound as text, NUL-separated, then "+Inf" */
	struct series *prev, *next;
};

struct family {
	char *name;
	size_t name_len;
	char *help;
	int type;
	struct series *head, *tail;
};

/* Families sorted by name: the output order, and a binary search. */
static struct family **families;
static int nfamilies, cap_families, nseries;

static int name_char(int c, int first, int colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':'))
		return 1;
	return !first && c >= '0' && c <= '9';
}

static int valid_name(const char *s, int colon)
{
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!name_char((unsigned char)*p, p == s, colon))
			return 0;
	return 1;
}

/* Append text to *buf (growing it) with the exposition's escapes:
 * backslash and newline always, the double quote inside label values. */
static int append_escaped(char **buf, size_t *len, size_t *cap, const char *text, int quote)
{
	for (const char *p = text; ; p++) {
		char esc[2] = { *p, 0 };
		size_t n = 1;
		if (*p == '\\' || (*p == '"' && quote)) {
			esc[0] = '\\';
			esc[1] = *p;
			n = 2;
		} else if (*p == '\n') {
			esc[0] = '\\';
			esc[1] = 'n';
			n = 2;
		}
		if (*len + n + 1 > *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = ncap;
		}
		if (!*p)
			break;
		memcpy(*buf + *len, esc, n);
		*len += n;
	}
	(*buf)[*len] = 0;
	return 0;
}

static int append_label(char **buf, size_t *len, size_t *cap, const char *name, const char *value)
{
	if (*len && append_escaped(buf, len, cap, ",", 0) < 0)
		return -ENOMEM;
	if (append_escaped(buf, len, cap, name, 0) < 0 || append_escaped(buf, len, cap, "=\"", 0) < 0 ||
	    append_escaped(buf, len, cap, value, 1) < 0 || append_escaped(buf, len, cap, "\"", 0) < 0)
		return -ENOMEM;
	return 0;
}

/* The label text for a new series, or NULL with errno set (EINVAL is
 * reported here). */
static char *render_labels(const nh_ctx *ctx, const char *name, int type, const char *const *pairs)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (append_label(&buf, &len, &cap, "plugin", ctx->plugin) < 0 ||
	    append_label(&buf, &len, &cap, "instance", ctx->instance) < 0)
		goto nomem;
	for (;;) {
		const char *key = *pairs++;
		if (!key)
			break;
		const char *value = *pairs++;
		if (!valid_name(key, 0) || strncmp(key, "__", 2) == 0 || strcmp(key, "plugin") == 0 ||
		    strcmp(key, "instance") == 0 || (type == NH_SERIES_HISTOGRAM && strcmp(key, "le") == 0)) {
			nh_logf(ctx, NH_LOG_ERR, "metric %s: label name '%s' is not allowed", name, key);
			free(buf);
			errno = EINVAL;
			return NULL;
		}
		if (!value) {
			nh_logf(ctx, NH_LOG_ERR, "metric %s: label '%s' has no value", name, key);
			free(buf);
			errno = EINVAL;
			return NULL;
		}
		if (append_label(&buf, &len, &cap, key, value) < 0)
			goto nomem;
	}
	return buf;
nomem:
	free(buf);
	errno = ENOMEM;
	return NULL;
}

/* Index of name in families, or -(insertion point) - 1. */
static int family_find(const char *name)
{
	int lo = 0, hi = nfamilies - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = strcmp(families[mid]->name, name);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static struct family *family_get(const nh_ctx *ctx, const char *name, const char *help,
				 int type)
{
	int i = family_find(name);

	if (i >= 0) {
		if (families[i]->type != type) {
			nh_logf(ctx, NH_LOG_ERR, "metric %s: already registered as a %s", name,
				type_names[families[i]->type]);
			errno = EINVAL;
			return NULL;
		}
		return families[i];
	}
	i = -i - 1;
	if (nfamilies == cap_families) {
		int ncap = cap_families ? cap_families * 2 : 16;
		struct family **nf = realloc(families, (size_t)ncap * sizeof(*nf));
		if (!nf)
			return NULL;
		families = nf;
		cap_families = ncap;
	}
	struct family *f = calloc(1, sizeof(*f));
	if (!f || !(f->name = strdup(name)) || !(f->help = strdup(help))) {
		if (f)
			free(f->name);
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->type = type;
	f->name_len = strlen(name);
	memmove(families + i + 1, families + i, (size_t)(nfamilies - i) * sizeof(*families));
	families[i] = f;
	nfamilies++;
	return f;
}

static void family_drop_if_empty(struct family *f)
{
	if (f->head)
		return;
	int i = family_find(f->name);
	memmove(families + i, families + i + 1, (size_t)(nfamilies - i - 1) * sizeof(*families));
	nfamilies--;
	free(f->name);
	free(f->help);
	free(f);
	if (nfamilies == 0) {
		free(families);
		families = NULL;
		cap_families = 0;
	}
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* A histogram's name must not collide with the series it renders
 * (name_bucket, name_sum, name_count) or read as a counter. */
static int histogram_name_ok(const char *name)
{
	return !ends_with(name, "_total") && !ends_with(name, "_bucket") &&
	       !ends_with(name, "_sum") && !ends_with(name, "_count");
}

static void *series_add(const nh_ctx *ctx, int type, const char *name, const char *help,
			const char *const *pairs, size_t extra)
{
	if (!valid_name(name, 1) || (type == NH_SERIES_COUNTER && !ends_with(name, "_total")) ||
	    (type == NH_SERIES_HISTOGRAM && !histogram_name_ok(name))) {
		nh_logf(ctx, NH_LOG_ERR, "metric name '%s' is not valid%s", name ? name : "(null)",
			type == NH_SERIES_COUNTER ? " (a counter's name ends in _total)"
			: type == NH_SERIES_HISTOGRAM
				? " (a histogram's name does not end in _total, _bucket, _sum or _count)"
				: "");
		errno = EINVAL;
		return NULL;
	}
	if (!help || !*help) {
		nh_logf(ctx, NH_LOG_ERR, "metric %s: needs a help text", name);
		errno = EINVAL;
		return NULL;
	}
	char *labels = render_labels(ctx, name, type, pairs);
	if (!labels)
		return NULL;
	struct family *f = family_get(ctx, name, help, type);
	if (!f) {
		free(labels);
		return NULL;
	}
	for (struct series *s = f->head; s; s = s->next)
		if (strcmp(s->labels, labels) == 0) {
			nh_logf(ctx, NH_LOG_ERR, "metric %s{%s} exists already", name, labels);
			free(labels);
			errno = EEXIST;
			return NULL;
		}
	struct series *s = calloc(1, sizeof(*s) + extra);
	if (!s) {
		free(labels);
		family_drop_if_empty(f);
		errno = ENOMEM;
		return NULL;
	}
	s->fam = f;
	s->head.owner = ctx;
	s->labels = labels;
	s->labels_len = strlen(labels);
	s->prev = f->tail;
	if (f->tail)
		f->tail->next = s;
	else
		f->head = s;
	f->tail = s;
	nseries++;
	return s;
}

/* Shortest text that reads back as the same double; Prometheus spells
 * the special values its own way. */
static void format_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
	} else if (fabs(v) < 1e15 && v == (double)(long long)v) {
		/* Most gauges are whole (up, counts): no round trip to check. */
		snprintf(buf, len, "%lld", (long long)v);
	} else if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	} else {
		snprintf(buf, len, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, len, "%.17g", v);
	}
}

void *host_series_new(const nh_ctx *ctx, int type, const char *name, const char *help,
		      const char *const *pairs)
{
	if (type != NH_SERIES_COUNTER && type != NH_SERIES_GAUGE) {
		errno = EINVAL;
		return NULL;
	}
	return series_add(ctx, type, name, help, pairs, 0);
}

/* The bounds and counts live in the same allocation, after the series. */
void *host_histogram_new(const nh_ctx *ctx, const char *name, const char *help,
			 const double *bounds, size_t n_bounds, const char *const *pairs)
{
	if (!bounds || n_bounds < 1 || n_bounds > NH_HISTOGRAM_MAX_BUCKETS) {
		nh_logf(ctx, NH_LOG_ERR, "metric %s: a histogram needs 1 to %d bucket bounds",
			name ? name : "(null)", NH_HISTOGRAM_MAX_BUCKETS);
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < n_bounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
			nh_logf(ctx, NH_LOG_ERR,
				"metric %s: bucket bounds must be finite and strictly ascending",
				name ? name : "(null)");
			errno = EINVAL;
			return NULL;
		}
	size_t extra = n_bounds * sizeof(double) + (n_bounds + 1) * sizeof(uint64_t);
	struct series *s = series_add(ctx, NH_SERIES_HISTOGRAM, name, help, pairs, extra);
	if (!s)
		return NULL;
	struct nh_histogram *h = &s->head.v.histogram;
	h->n = n_bounds;
	h->bounds = (double *)(s + 1);
	h->counts = (uint64_t *)(h->bounds + n_bounds);
	memcpy(h->bounds, bounds, n_bounds * sizeof(double));
	char *le = malloc((n_bounds + 1) * 40), *p = le;
	if (!le) {
		host_series_del(s);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n_bounds; i++) {
		format_double(bounds[i], p, 40);
		p += strlen(p) + 1;
	}
	memcpy(p, "+Inf", 5);
	s->le = le;
	return s;
}

void host_series_del(void *series)
{
	struct series *s = series;

	struct family *f = s->fam;

	if (s->prev)
		s->prev->next = s->next;
	else
		f->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		f->tail = s->prev;
	free(s->labels);
	free(s->le);
	free(s);
	nseries--;
	family_drop_if_empty(f);
}

void host_metrics_drop_ctx(const nh_ctx *ctx)
{
	/* Backwards: a family that empties leaves the array, shifting only
	 * the ones already visited. */
	for (int i = nfamilies - 1; i >= 0; i--) {
		struct series *s = families[i]->head;
		while (s) {
			struct series *next = s->next;
			if (s->head.owner == ctx)
				host_series_del(s);
			s = next;
		}
	}
}

/* The exposition under construction; oom once an append failed. */
struct text {
	char *buf;
	size_t len, cap;
	int oom;
};

static int text_reserve(struct text *t, size_t n)
{
	if (t->len + n < t->cap)
		return 1;
	size_t ncap = t->cap ? t->cap : 4096;
	while (t->len + n >= ncap)
		ncap *= 2;
	char *nb = t->oom ? NULL : realloc(t->buf, ncap);
	if (!nb) {
		t->oom = 1;
		return 0;
	}
	t->buf = nb;
	t->cap = ncap;
	return 1;
}

static void put(struct text *t, const char *s, size_t n)
{
	if (!text_reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

static void put_str(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_u64(struct text *t, uint64_t v)
{
	char digits[20];
	int n = 0;

	do
		digits[sizeof(digits) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(t, digits + sizeof(digits) - n, (size_t)n);
}

/* Whole values (most gauges: up, counts, timestamps) as digits, the rest
 * through format_double(). */
static void put_double(struct text *t, double v)
{
	char num[40];

	if (fabs(v) < 1e15 && v == (double)(long long)v) {
		if (v < 0)
			put(t, "-", 1);
		put_u64(t, (uint64_t)llabs((long long)v));
		return;
	}
	format_double(v, num, sizeof(num));
	put_str(t, num);
}

/* name{labels (the caller closes the brace). */
static void put_series(struct text *t, const struct family *fam, const char *suffix,
		       size_t suffix_len, const struct series *s)
{
	put(t, fam->name, fam->name_len);
	put(t, suffix, suffix_len);
	put(t, "{", 1);
	put(t, s->labels, s->labels_len);
}

/* name_bucket{...,le="B"} cumulative, then +Inf, name_sum, name_count. */
static void write_histogram(struct text *t, const struct family *fam, const struct series *s)
{
	const struct nh_histogram *h = &s->head.v.histogram;
	const char *le = s->le;
	uint64_t cum = 0;

	for (size_t i = 0; i <= h->n; i++) {
		size_t n = strlen(le);
		cum += h->counts[i];
		put_series(t, fam, "_bucket", 7, s);
		put(t, ",le=\"", 5);
		put(t, le, n);
		put(t, "\"} ", 3);
		put_u64(t, cum);
		put(t, "\n", 1);
		le += n + 1;
	}
	put_series(t, fam, "_sum", 4, s);
	put(t, "} ", 2);
	put_double(t, h->sum);
	put(t, "\n", 1);
	put_series(t, fam, "_count", 6, s);
	put(t, "} ", 2);
	put_u64(t, h->count);
	put(t, "\n", 1);
}

/* The last exposition's size: the next one starts with room for it. */
/* Last sizes of the text with every series and without some: the next
 * one is about as long, so its buffer is allocated once. */
static size_t last_len, last_len_without;

/* Whether series s carries the label named label (its text is
 * plugin="a",instance="b",k="v": names follow the start or a comma,
 * values are quoted and escaped, so a quote ends each). */
static int has_label(const struct series *s, const char *label, size_t n)
{
	const char *p = s->labels, *end = s->labels + s->labels_len;

	while (p < end) {
		if ((size_t)(end - p) > n && memcmp(p, label, n) == 0 && p[n] == '=')
			return 1;
		/* Past the value: its closing quote is the first one not
		 * escaped with a backslash. */
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			break;
		for (q++; q < end && *q != '"'; q++)
			if (*q == '\\')
				q++;
		p = q + 2; /* the quote, then the comma */
	}
	return 0;
}

char *host_metrics_text_without(const char *label, size_t *len)
{
	struct text t = { NULL, 0, 0, 0 };
	char *help = NULL;
	size_t hlen, hcap = 0, label_len = label ? strlen(label) : 0;

	text_reserve(&t, (label ? last_len_without : last_len) + 1);
	for (int i = 0; i < nfamilies && !t.oom; i++) {
		const struct family *fam = families[i];
		int head = 0; /* # HELP and # TYPE written, for its first series */
		for (const struct series *s = fam->head; s; s = s->next) {
			if (label && has_label(s, label, label_len))
				continue;
			if (!head) {
				hlen = 0;
				if (append_escaped(&help, &hlen, &hcap, fam->help, 0) < 0) {
					t.oom = 1;
					break;
				}
				put(&t, "# HELP ", 7);
				put(&t, fam->name, fam->name_len);
				put(&t, " ", 1);
				put(&t, help, hlen);
				put(&t, "\n# TYPE ", 8);
				put(&t, fam->name, fam->name_len);
				put(&t, " ", 1);
				put_str(&t, type_names[fam->type]);
				put(&t, "\n", 1);
				head = 1;
			}
			if (fam->type == NH_SERIES_HISTOGRAM) {
				write_histogram(&t, fam, s);
				continue;
			}
			put_series(&t, fam, "", 0, s);
			put(&t, "} ", 2);
			if (fam->type == NH_SERIES_COUNTER) {
				put_u64(&t, s->head.v.counter.value);
			} else {
				put_double(&t, s->head.v.gauge.value);
			}
			put(&t, "\n", 1);
		}
	}
	free(help);
	if (t.oom || !text_reserve(&t, 1)) {
		free(t.buf);
		errno = ENOMEM;
		return NULL;
	}
	t.buf[t.len] = 0;
	*(label ? &last_len_without : &last_len) = t.len;
	if (len)
		*len = t.len;
	return t.buf;
}

char *host_metrics_text(size_t *len)
{
	return host_metrics_text_without(NULL, len);
}

int host_metrics_write(FILE *f)
{
	size_t len;
	char *text = host_metrics_text(&len);

	if (!text)
		return -errno;
	int r = fwrite(text, 1, len, f) == len ? 0 : -EIO;
	free(text);
	return r;
}

int host_metrics_count(void)
{
	return nseries;
}
