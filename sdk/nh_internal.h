/* Private to libnethost and the host executable: never installed, never
 * included by plugins.
 *
 * libnethost holds no host state. What a plugin asks of the host (log a
 * line, register a metric, read the status, read its section) goes
 * through the tables below, which the host fills: the SDK only knows
 * their shape. */
#ifndef NH_INTERNAL_H
#define NH_INTERNAL_H

#include <nethost/nethost.h>

/* One name limit for plugins and instances, enforced when the INI file
 * is read (a longer name is an error, never cut). */
#define NH_NAME_MAX 63

/* Host services behind a context. */
struct nh_host_ops {
	/* Write one finished log line (level already checked). */
	void (*log)(const nh_ctx *ctx, int level, const char *msg);
	/* A new metric series; labels: name, value, ..., NULL. The returned
	 * series starts with struct nh_series_head. NULL with errno set. */
	void *(*series_new)(const nh_ctx *ctx, int type, const char *name, const char *help,
			    const char *const *labels);
	void (*series_del)(void *series);
	/* Every series as Prometheus text (malloc'd); NULL with errno set. */
	char *(*metrics_text)(const nh_ctx *ctx, size_t *len);
	/* The host's status as a fresh JSON object, or NULL with errno. */
	struct json_object *(*status)(const nh_ctx *ctx);
	/* nh_ctl_call() (2.1): same contract. */
	int (*ctl_call)(const nh_ctx *ctx, const char *instance, int argc, char **argv,
			struct json_object **out);
	/* nh_histogram_new() (2.1): a series of type NH_SERIES_HISTOGRAM
	 * whose head holds the buckets. NULL with errno set. */
	void *(*histogram_new)(const nh_ctx *ctx, const char *name, const char *help,
			       const double *bounds, size_t n_bounds, const char *const *labels);
	/* nh_metrics_text_without() (2.1): same contract; label NULL: all. */
	char *(*metrics_text_without)(const nh_ctx *ctx, const char *label, size_t *len);
};

/* What a control command's run() fills (nh_ctl_reply_json, nh_ctl_fail);
 * the host makes one per call. */
struct nh_ctl_reply {
	struct json_object *json; /* the reply's object */
	char error[1024];         /* nh_ctl_fail()'s message; "" when none */
};

enum nh_series_type { NH_SERIES_COUNTER, NH_SERIES_GAUGE, NH_SERIES_HISTOGRAM };

/* A histogram's numbers: per-bucket counts (not cumulative; the last one
 * is +Inf), the host renders them cumulative. */
struct nh_histogram {
	size_t n;             /* finite bounds */
	double *bounds;       /* n, ascending */
	uint64_t *counts;     /* n + 1 */
	uint64_t count;
	double sum;
};

struct nh_ctx {
	const struct nh_host_ops *ops;
	void *host;           /* the host's own data for ops */
	const int *log_level; /* the host's current level, read on every check */
	nh_loop *loop;
	char name[2 * NH_NAME_MAX + 2]; /* "plugin/instance" or "command" */
	char plugin[NH_NAME_MAX + 1];   /* "forward"; the command for CLI contexts */
	char instance[NH_NAME_MAX + 1];
	const struct nh_command *cmd;   /* CLI commands only */
	struct nh_writer *writers;      /* still open: freed with the context */
};

/* Every metric series the host hands out starts with this: the value the
 * plugin updates inline, then who owns it (so nh_counter_del() needs no
 * context). */
struct nh_series_head {
	union {
		nh_counter counter;
		nh_gauge gauge;
		struct nh_histogram histogram;
	} v;
	const nh_ctx *owner;
};

/* What the SDK's getters need of a config section: the host's section
 * struct starts with this head. */
struct nh_section_ops {
	int (*count)(const nh_section *sec, const char *key);
	/* The i-th value of key and its line, or NULL. */
	const char *(*value)(const nh_section *sec, const char *key, int i, int *line);
	/* Print one problem line "FILE:LINE: [plugin instance] key: msg" and
	 * count it; key may be NULL (the section itself). */
	void (*report)(const nh_section *sec, int line, const char *key, const char *msg);
};

struct nh_section_head {
	const struct nh_section_ops *ops;
	const char *plugin;
	const char *instance;
	int line; /* of the [header] */
};

#endif
